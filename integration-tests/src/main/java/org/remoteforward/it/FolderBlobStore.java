package org.remoteforward.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.apache.james.blob.api.BlobId;
import org.apache.james.blob.api.BlobStoreDAO;
import org.apache.james.blob.api.BucketName;
import org.apache.james.blob.api.ObjectNotFoundException;
import org.apache.james.blob.api.ObjectStoreIOException;
import org.reactivestreams.Publisher;

import com.google.common.io.ByteSource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * James's blobs as files in one folder, bucket/blob-id: what several James JVMs on one machine
 * share so that a mail one node enqueued in the RabbitMQ queue can be read by another (distributed
 * James uses an object store for that). Writes go through a temporary file and a rename, so a
 * reader never sees half a blob.
 */
final class FolderBlobStore implements BlobStoreDAO {
    private final Path root;
    private final BlobId.Factory ids;
    private final Predicate<byte[]> refused;

    /** @param refused blobs whose saving fails, as a full or broken store would fail it */
    FolderBlobStore(Path root, BlobId.Factory ids, Predicate<byte[]> refused) {
        this.root = root;
        this.ids = ids;
        this.refused = refused;
    }

    private Path file(BucketName bucket, BlobId id) {
        return root.resolve(bucket.asString()).resolve(id.asString());
    }

    @Override
    public InputStream read(BucketName bucket, BlobId id) throws ObjectStoreIOException, ObjectNotFoundException {
        return new ByteArrayInputStream(bytes(bucket, id));
    }

    private byte[] bytes(BucketName bucket, BlobId id) {
        try {
            return Files.readAllBytes(file(bucket, id));
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException("blob '" + id.asString() + "' not found in bucket '" + bucket.asString() + "'");
        } catch (IOException e) {
            throw new ObjectStoreIOException("reading " + file(bucket, id), e);
        }
    }

    @Override
    public Publisher<InputStream> readReactive(BucketName bucket, BlobId id) {
        return Mono.fromCallable(() -> read(bucket, id)).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Publisher<byte[]> readBytes(BucketName bucket, BlobId id) {
        return Mono.fromCallable(() -> bytes(bucket, id)).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Publisher<Void> save(BucketName bucket, BlobId id, byte[] data) {
        return Mono.<Void>fromRunnable(() -> write(bucket, id, data)).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Publisher<Void> save(BucketName bucket, BlobId id, InputStream input) {
        return Mono.<Void>fromRunnable(() -> {
            try {
                write(bucket, id, input.readAllBytes());
            } catch (IOException e) {
                throw new ObjectStoreIOException("reading what to store", e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Publisher<Void> save(BucketName bucket, BlobId id, ByteSource content) {
        return Mono.<Void>fromRunnable(() -> {
            try {
                write(bucket, id, content.read());
            } catch (IOException e) {
                throw new ObjectStoreIOException("reading what to store", e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private void write(BucketName bucket, BlobId id, byte[] data) {
        if (refused.test(data)) {
            throw new ObjectStoreIOException("the test refuses to store this blob");
        }
        Path target = file(bucket, id);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = target.resolveSibling(".tmp-" + UUID.randomUUID());
            Files.write(temporary, data);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target, e);
        }
    }

    @Override
    public Publisher<Void> delete(BucketName bucket, BlobId id) {
        return Mono.<Void>fromRunnable(() -> {
            try {
                Files.deleteIfExists(file(bucket, id));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Publisher<Void> delete(BucketName bucket, Collection<BlobId> ids) {
        return Flux.fromIterable(ids).concatMap(id -> delete(bucket, id)).then();
    }

    @Override
    public Publisher<Void> deleteBucket(BucketName bucket) {
        return Flux.fromIterable(list(root.resolve(bucket.asString()))).concatMap(file -> Mono.<Void>fromRunnable(() -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).then();
    }

    @Override
    public Publisher<BucketName> listBuckets() {
        return Flux.fromIterable(list(root)).map(dir -> BucketName.of(dir.getFileName().toString()));
    }

    @Override
    public Publisher<BlobId> listBlobs(BucketName bucket) {
        return Flux.fromIterable(list(root.resolve(bucket.asString())))
            .filter(file -> !file.getFileName().toString().startsWith(".tmp-"))
            .map(file -> ids.from(file.getFileName().toString()));
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
