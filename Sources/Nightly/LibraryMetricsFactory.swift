import CoreMetrics
import Prometheus

/// Routes what the libraries record through swift-metrics (Hummingbird's request metrics, the
/// client's retries and resumed downloads) into the daemon's registry. Unlike swift-prometheus'
/// own factory it gives every metric a HELP line (promtool rejects metrics without) and
/// Prometheus names: Hummingbird follows OpenTelemetry's dotted names, Prometheus wants
/// underscores, a unit, `_total` on counters, and one prefix for everything tsvault serves.
struct LibraryMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    /// Label → Prometheus name and HELP text. Unknown labels keep their name, dots made underscores.
    static let known: [String: (name: String, help: String)] = [
        "hb.requests": ("tsvault_http_requests_total", "Requests to the daemon's endpoints."),
        "hb.request.errors": ("tsvault_http_request_errors_total", "Requests to the daemon's endpoints that failed."),
        "http.server.request.duration": ("tsvault_http_request_duration_seconds", "Time to answer a request to the daemon's endpoints."),
        "http.server.active_requests": ("tsvault_http_active_requests", "Requests to the daemon's endpoints being answered."),
        "tsvault_recorder_request_retries_total": (
            "tsvault_recorder_request_retries_total", "REST requests to a recorder retried after a transient failure."
        ),
        "tsvault_download_resumes_total": ("tsvault_download_resumes_total", "Recording downloads resumed after an interruption."),
        "tsvault_downloads_read_whole_total": (
            "tsvault_downloads_read_whole_total", "Recordings downloaded whole before archiving, as they could not be read as they arrived."
        ),
        "tsvault_object_store_requests_total": (
            "tsvault_object_store_requests_total", "Requests to the object store (store:, bucket targets) by operation and outcome."
        ),
        "tsvault_object_store_bytes_total": ("tsvault_object_store_bytes_total", "Bytes sent to and read from the object store.")
    ]

    static let requestBuckets: [Duration] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000].map { .milliseconds($0) }

    static func descriptor(_ label: String) -> MetricNameDescriptor {
        let entry = Self.known[label] ?? (Self.underscored(label), "Recorded by a library through swift-metrics (\(label)).")
        return DaemonMetrics.named(entry.name, entry.help)
    }

    func labels(_ dimensions: [(String, String)]) -> [(String, String)] { dimensions.map { (Self.underscored($0.0), $0.1) } }

    static func underscored(_ text: String) -> String { String(text.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }) }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: labels(dimensions))
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: labels(dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: Self.descriptor(label), labels: labels(dimensions)) }
        return registry.makeValueHistogram(
            descriptor: Self.descriptor(label), labels: labels(dimensions), buckets: [1, 10, 100, 1000, 10_000, 100_000])
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.descriptor(label), labels: labels(dimensions))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: Self.descriptor(label), labels: labels(dimensions), buckets: Self.requestBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
