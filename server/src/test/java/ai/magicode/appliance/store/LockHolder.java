package ai.magicode.appliance.store;

import java.io.IOException;
import java.nio.file.Path;

/** Test helper run as a separate JVM: locks the data dir given as argument, prints "locked", holds until stdin ends. */
final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws IOException {
        try (DataDirLock lock = DataDirLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Hold the lock until the test closes our stdin or kills us.
            }
        }
    }
}
