package org.remoteforward.sender;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What tells that a file another tool rewrites has changed since it was read: its modification
 * time and size. A token file is re-read when its stamp differs from the one read last.
 */
record FileStamp(FileTime modified, long size) {
    static FileStamp of(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(attributes.lastModifiedTime(), attributes.size());
    }
}
