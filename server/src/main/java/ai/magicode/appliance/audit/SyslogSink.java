package ai.magicode.appliance.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends entries to a syslog collector over TCP (optionally TLS, RFC 5425) as RFC 5424 messages with
 * octet-counting framing (RFC 6587): facility log audit (13), severity informational, or warning for
 * failed and denied actions; MSGID the action; the message the entry's JSON line.
 */
final class SyslogSink implements AuditForwarder.Sink {
    private static final int FACILITY_LOG_AUDIT = 13;
    private final String host;
    private final int port;
    private final boolean tls;
    private final String hostname;
    private Socket socket;
    private OutputStream out;

    SyslogSink(String host, int port, boolean tls) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.hostname = localHostname();
    }

    static SyslogSink create(String address, boolean tls) {
        int colon = address.lastIndexOf(':');
        return new SyslogSink(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)), tls);
    }

    @Override
    public String name() {
        return "syslog";
    }

    @Override
    public void send(List<AuditEntry> entries) throws IOException {
        try {
            if (out == null) {
                connect();
            }
            StringBuilder frames = new StringBuilder();
            for (AuditEntry entry : entries) {
                String message = message(entry);
                frames.append(message.getBytes(StandardCharsets.UTF_8).length)
                        .append(' ')
                        .append(message);
            }
            out.write(frames.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** The RFC 5424 message for {@code entry}, without framing. */
    String message(AuditEntry entry) {
        int severity = entry.outcome() == Outcome.SUCCESS ? 6 : 4;
        return "<" + (FACILITY_LOG_AUDIT * 8 + severity) + ">1 " + entry.time() + " " + hostname + " magicode - "
                + printable(entry.action(), 32) + " - \uFEFF" + entry.toJson();
    }

    private void connect() throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(host, port), 5000);
        plain.setSoTimeout(10_000);
        if (tls) {
            SSLSocket secure = (SSLSocket)
                    ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            socket = secure;
        } else {
            socket = plain;
        }
        out = socket.getOutputStream();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
        socket = null;
        out = null;
    }

    private static String printable(String text, int max) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (out.length() == max) {
                break;
            }
            out.append(c > 32 && c < 127 ? c : '_');
        }
        return out.isEmpty() ? "-" : out.toString();
    }

    private static String localHostname() {
        try {
            return printable(InetAddress.getLocalHost().getHostName(), 255);
        } catch (IOException e) {
            return "-";
        }
    }
}
