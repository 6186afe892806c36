package ai.magicode.appliance.auth;

import ai.magicode.appliance.store.ApplianceStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The one-time token that lets the first administrator set the appliance up. While setup is pending it
 * is kept in {@code DATA_DIR/setup-token} (mode 0600) for the operator; the store keeps only its
 * SHA-256, so a stolen store does not grant setup. Consuming it voids it for good.
 */
public final class SetupToken {
    static final String FILE_NAME = "setup-token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApplianceStore store;
    private final Path file;
    private final SetupState state;

    private SetupToken(ApplianceStore store, Path file, SetupState state) {
        this.store = store;
        this.file = file;
        this.state = state;
    }

    /** Loads the setup state, creating the token on first start. */
    public static SetupToken create(ApplianceStore store) {
        SetupState state = store.section("auth.setup", SetupState.class, SetupState::new);
        SetupToken token = new SetupToken(store, store.dataDir().resolve(FILE_NAME), state);
        token.ensureIssued();
        return token;
    }

    /** The token to show the operator, while setup is pending. */
    public synchronized Optional<String> pending() {
        if (state.consumed) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The file holding the pending token. */
    public Path file() {
        return file;
    }

    /**
     * Voids the token if {@code presented} matches it: the one successful call of its life.
     *
     * @return whether it matched and setup may proceed
     */
    public synchronized boolean consume(String presented) {
        if (state.consumed || presented == null || state.tokenSha256 == null) {
            return false;
        }
        if (!MessageDigest.isEqual(
                sha256(presented.trim()).getBytes(StandardCharsets.US_ASCII),
                state.tokenSha256.getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        state.consumed = true;
        state.consumedAtEpochMillis = System.currentTimeMillis();
        store.store(state);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("setup token consumed but " + file + " could not be deleted", e);
        }
        return true;
    }

    /** Issues a token unless one is pending and still on disk (a restart shows the same token again). */
    private synchronized void ensureIssued() {
        if (state.consumed) {
            return;
        }
        try {
            if (state.tokenSha256 != null
                    && Files.isRegularFile(file)
                    && state.tokenSha256.equals(sha256(
                            Files.readString(file, StandardCharsets.US_ASCII).trim()))) {
                return;
            }
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            writePrivately(file, token + "\n");
            state.tokenSha256 = sha256(token);
            state.issuedAtEpochMillis = System.currentTimeMillis();
            store.store(state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the setup token to " + file, e);
        }
    }

    /** Writes via a 0600 temp file and an atomic rename: the token is never readable by others, never half-written. */
    private static void writePrivately(Path target, String text) throws IOException {
        Path temp = Files.createTempFile(
                target.getParent(),
                ".setup-token",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Persistent setup state (store section {@code auth.setup}); mutated only under the token's lock. */
    static final class SetupState {
        String tokenSha256;
        long issuedAtEpochMillis;
        boolean consumed;
        long consumedAtEpochMillis;
    }
}
