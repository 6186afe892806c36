package ai.magicode.appliance.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Stands in for the audit log while it cannot be open yet: the vault must be open before the log (it
 * holds the log's signing key) but reports to it. Events are held in memory until {@link #attach}
 * appends them, in order, and passes every later one straight on.
 */
public final class AuditRelay implements Consumer<AuditEvent> {
    private final List<AuditEvent> held = new ArrayList<>();
    private volatile AuditLog log;

    @Override
    public void accept(AuditEvent event) {
        AuditLog attached = log;
        if (attached == null) {
            synchronized (this) {
                attached = log;
                if (attached == null) {
                    held.add(event);
                    return;
                }
            }
        }
        // Outside the lock: appends wait for their fsync, and concurrent ones share it.
        attached.append(event);
    }

    /**
     * Appends the held events to {@code log} and relays every later event to it.
     *
     * @throws IllegalStateException when a log is attached already
     */
    public synchronized void attach(AuditLog log) {
        if (this.log != null) {
            throw new IllegalStateException("an audit log is attached already");
        }
        held.forEach(log::append);
        held.clear();
        this.log = log;
    }

    /** How many events wait for a log. */
    synchronized int held() {
        return held.size();
    }
}
