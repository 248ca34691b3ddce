/**
 * How a service reports a failure that has no caller to answer (a background
 * save, a timer): the server wires it to its log. Services never log directly.
 */
export type ReportProblem = (what: string, error: unknown) => void;
