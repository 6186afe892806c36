package ai.magicode.appliance.audit;

/** How an audited action ended. */
public enum Outcome {
    /** It was done. */
    SUCCESS,
    /** It was attempted and failed. */
    FAILURE,
    /** It was refused by access control or policy. */
    DENIED
}
