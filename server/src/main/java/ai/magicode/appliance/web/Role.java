package ai.magicode.appliance.web;

/**
 * What a caller may do. Tenant roles, from most to least powerful: {@link #ADMIN}, {@link #OPERATOR},
 * {@link #AUDITOR}, {@link #MEMBER}; {@link #SUPERADMIN} manages tenants across the platform.
 */
public enum Role {
    /** Platform level: manages tenants. */
    SUPERADMIN,
    /** Everything within a tenant. */
    ADMIN,
    /** Repositories, jobs, policies; no secrets, no users. */
    OPERATOR,
    /** Read-only: the audit log and exports. */
    AUDITOR,
    /** Triggers and views their own jobs. */
    MEMBER
}
