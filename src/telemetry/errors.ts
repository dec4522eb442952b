/** Thrown when telemetry settings cannot be honoured; the message names the key or variable. */
export class TelemetryConfigError extends Error {
  override readonly name = "TelemetryConfigError";
}

/** A metric call that cannot be recorded (invalid name/tag, negative counter, no exporter). */
export class MetricsError extends Error {
  override readonly name = "MetricsError";
}
