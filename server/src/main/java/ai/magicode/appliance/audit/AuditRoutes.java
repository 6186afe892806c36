package ai.magicode.appliance.audit;

import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /audit} (filtered pages) and {@code GET /audit/export} (streamed JSON Lines or CSV) for
 * auditors and administrators, scoped to the caller's tenant; a platform administrator may name any
 * tenant, or none for all. {@code GET /audit/verify} checks the whole chain and its signed checkpoints now
 * (as {@code magicode audit verify} does) and answers the outcome.
 */
public final class AuditRoutes implements HttpService {
    private static final Set<Role> READERS = Set.of(Role.AUDITOR, Role.ADMIN, Role.SUPERADMIN);
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    private final AuditLog log;

    public AuditRoutes(AuditLog log) {
        this.log = log;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/audit", Access.roles(READERS, this::list))
                .get("/audit/export", Access.roles(READERS, this::export))
                .get("/audit/verify", Access.roles(READERS, this::verify));
    }

    private void list(ServerRequest req, ServerResponse res) {
        AuditQuery.Page page = log.query(query(req, true));
        StringBuilder body = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < page.entries().size(); i++) {
            body.append(i == 0 ? "" : ",").append(page.entries().get(i).toJson());
        }
        body.append("],\"nextCursor\":")
                .append(page.nextCursor().map(String::valueOf).orElse("null"))
                .append('}');
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(body.toString());
    }

    private void verify(ServerRequest req, ServerResponse res) {
        AuditVerifier.Verification verification = log.checkIntegrity();
        if (verification == null) {
            throw new ApiException(503, "Service Unavailable", "The audit log cannot be read now; see the server log.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", verification.ok());
        body.put("entries", verification.entries());
        body.put("segments", verification.segments());
        body.put("checkpoints", verification.checkpoints());
        body.put("firstSeq", verification.firstSeq());
        body.put("lastSeq", verification.lastSeq());
        body.put("lastSignedSeq", verification.lastSignedSeq());
        body.put("unsignedTail", verification.unsignedTail());
        verification.problem().ifPresent(problem -> {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("kind", problem.kind().name().toLowerCase(Locale.ROOT));
            json.put("file", problem.file());
            json.put("line", problem.line());
            json.put("seq", problem.seq());
            json.put("message", problem.message());
            body.put("problem", json);
        });
        res.send(body);
    }

    private void export(ServerRequest req, ServerResponse res) {
        String format = req.query().first("format").orElse("jsonl");
        if (!format.equals("jsonl") && !format.equals("csv")) {
            throw new ApiException(400, "Bad Request", "format must be jsonl or csv.");
        }
        AuditQuery query = query(req, false);
        boolean csv = format.equals("csv");
        res.headers().set(HeaderNames.CONTENT_TYPE, csv ? "text/csv; charset=UTF-8" : "application/x-ndjson");
        res.headers().set(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"audit." + format + "\"");
        try (OutputStream out = res.outputStream()) {
            if (csv) {
                out.write(Csv.HEADER.getBytes(StandardCharsets.UTF_8));
            }
            log.export(query, (entry, buf, start, end) -> {
                try {
                    if (csv) {
                        out.write(Csv.row(entry).getBytes(StandardCharsets.UTF_8));
                    } else {
                        out.write((entry.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("audit export interrupted", e);
        }
    }

    private static AuditQuery query(ServerRequest req, boolean paged) {
        Caller caller = Caller.of(req).orElseThrow();
        Parameters params = req.query();
        Optional<String> tenant = params.first("tenant").asOptional().filter(t -> !t.isBlank());
        if (!caller.has(Role.SUPERADMIN)) {
            if (tenant.isPresent() && !tenant.get().equals(caller.tenant())) {
                throw new ApiException(403, "Forbidden", "You may only read the audit log of your own tenant.");
            }
            tenant = Optional.of(caller.tenant());
        }
        return new AuditQuery(
                instant(params, "from"),
                instant(params, "to"),
                text(params, "actor"),
                text(params, "action"),
                text(params, "target"),
                tenant,
                number(params, "cursor", 1, Long.MAX_VALUE, 1),
                paged ? (int) number(params, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT) : Integer.MAX_VALUE);
    }

    private static Optional<String> text(Parameters params, String name) {
        return params.first(name).asOptional().filter(t -> !t.isBlank());
    }

    private static Optional<Instant> instant(Parameters params, String name) {
        try {
            return text(params, name).map(Instant::parse);
        } catch (DateTimeParseException e) {
            throw new ApiException(
                    400, "Bad Request", name + " must be an ISO-8601 instant such as 2026-01-31T00:00:00Z.");
        }
    }

    private static long number(Parameters params, String name, long min, long max, long fallback) {
        Optional<String> text = text(params, name);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.get());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApiException(400, "Bad Request", name + " must be an integer from " + min + " to " + max + ".");
    }

    /** CSV that spreadsheets cannot mistake for formulas. */
    static final class Csv {
        static final String HEADER =
                "seq,time,tenant,actorKind,actorId,action,target,outcome,requestId,fields,prevHash,hash\r\n";

        private Csv() {}

        static String row(AuditEntry entry) {
            StringBuilder fields = new StringBuilder("{");
            new TreeMap<>(entry.fields()).forEach((k, v) -> {
                if (fields.length() > 1) {
                    fields.append(',');
                }
                EntryCodec.string(fields, k);
                fields.append(':');
                EntryCodec.string(fields, v);
            });
            fields.append('}');
            return String.join(
                            ",",
                            String.valueOf(entry.seq()),
                            cell(entry.time().toString()),
                            cell(entry.tenant()),
                            cell(entry.actor().kind().name()),
                            cell(entry.actor().id()),
                            cell(entry.action()),
                            cell(entry.target()),
                            cell(entry.outcome().name()),
                            cell(entry.requestId()),
                            cell(fields.toString()),
                            entry.prevHash(),
                            entry.hash())
                    + "\r\n";
        }

        /**
         * One cell: a value starting with {@code = + - @}, tab or carriage return gets a leading quote so
         * that spreadsheets show it as text (a lone {@code -}, the placeholder for "none", is harmless and
         * kept); then RFC 4180 quoting.
         */
        static String cell(String value) {
            String safe = value;
            if (!value.isEmpty() && !value.equals("-") && "=+-@\t\r".indexOf(value.charAt(0)) >= 0) {
                safe = "'" + value;
            }
            if (safe.indexOf(',') >= 0
                    || safe.indexOf('"') >= 0
                    || safe.indexOf('\n') >= 0
                    || safe.indexOf('\r') >= 0) {
                safe = '"' + safe.replace("\"", "\"\"") + '"';
            }
            return safe;
        }
    }
}
