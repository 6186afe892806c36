package ai.magicode.appliance.ship;

import ai.magicode.appliance.secrets.SecretsException;
import ai.magicode.appliance.secrets.SigningKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A release bundle directory: every file listed with its SHA-256 in {@code MANIFEST} ({@code sha256sum} format, so
 * {@code sha256sum -c} also checks it), and {@code MANIFEST.sig}, the base64 Ed25519 signature of the manifest's
 * bytes. Verification needs only the vendor's public key: signature, every hash, and no file that is not listed.
 */
public final class Bundle {
    /** The manifest's file name in the bundle directory. */
    public static final String MANIFEST = "MANIFEST";
    /** The signature's file name in the bundle directory. */
    public static final String SIGNATURE = "MANIFEST.sig";

    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  ([A-Za-z0-9._/+-]+)");

    private Bundle() {}

    /** Writes the manifest of every file under {@code dir} and signs it; returns the number of files listed. */
    public static int seal(Path dir, String privateKeyPem) {
        Map<String, String> hashes = new TreeMap<>();
        for (Path file : files(dir)) {
            String name = dir.relativize(file).toString().replace('\\', '/');
            if (!name.equals(MANIFEST) && !name.equals(SIGNATURE)) {
                hashes.put(name, sha256(file));
            }
        }
        if (hashes.isEmpty()) {
            throw new ShipException("nothing to seal in " + dir);
        }
        StringBuilder manifest = new StringBuilder();
        hashes.forEach(
                (name, hash) -> manifest.append(hash).append("  ").append(name).append('\n'));
        byte[] bytes = manifest.toString().getBytes(StandardCharsets.UTF_8);
        byte[] signature = SigningKeys.sign(privateKeyPem, bytes);
        try {
            Files.write(dir.resolve(MANIFEST), bytes);
            Files.writeString(dir.resolve(SIGNATURE), Base64.getEncoder().encodeToString(signature) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hashes.size();
    }

    /** Checks the bundle under {@code dir} against the vendor's public key; never throws for a bad bundle. */
    public static Verification verify(Path dir, String publicKeyPem) {
        List<String> problems = new ArrayList<>();
        byte[] manifest;
        byte[] signature;
        try {
            manifest = Files.readAllBytes(dir.resolve(MANIFEST));
            signature = Base64.getMimeDecoder()
                    .decode(Files.readString(dir.resolve(SIGNATURE)).strip());
        } catch (IOException | IllegalArgumentException e) {
            return new Verification(List.of("no readable " + MANIFEST + " and " + SIGNATURE + " in " + dir), 0);
        }
        try {
            if (!SigningKeys.verify(publicKeyPem, manifest, signature)) {
                problems.add(MANIFEST + ": the signature does not match (altered, or signed with another key)");
            }
        } catch (SecretsException e) {
            problems.add("public key: " + e.getMessage());
        }
        Map<String, String> listed = new LinkedHashMap<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            var match = LINE.matcher(line);
            if (!match.matches()
                    || match.group(2).contains("..")
                    || match.group(2).startsWith("/")) {
                problems.add(MANIFEST + ": malformed line " + line);
                continue;
            }
            listed.put(match.group(2), match.group(1));
        }
        listed.forEach((name, hash) -> {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                problems.add(name + ": listed but missing");
            } else if (!sha256(file).equals(hash)) {
                problems.add(name + ": SHA-256 differs from the manifest (altered)");
            }
        });
        for (Path file : files(dir)) {
            String name = dir.relativize(file).toString().replace('\\', '/');
            if (!name.equals(MANIFEST) && !name.equals(SIGNATURE) && !listed.containsKey(name)) {
                problems.add(name + ": not in the manifest (added after signing)");
            }
        }
        return new Verification(List.copyOf(problems), listed.size());
    }

    private static List<Path> files(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !Files.isDirectory(p)).sorted().toList();
        } catch (IOException e) {
            throw new ShipException("cannot read the bundle directory " + dir, e);
        }
    }

    private static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new ShipException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What verification found: no problems means the bundle is exactly what the vendor signed. */
    public record Verification(List<String> problems, int files) {
        /** Whether the bundle is intact and signed by the key. */
        public boolean ok() {
            return problems.isEmpty();
        }
    }
}
