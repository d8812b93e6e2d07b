import Foundation
import Logging
import Synchronization

/// Structured log lines on standard error: logfmt (`time=… level=info msg="…" event.id=…`) or one JSON
/// object per line. Metadata keys are written as they are (dotted lowercase).
struct LineLogHandler: LogHandler {
    enum Format: String, CaseIterable, Sendable {
        case logfmt, json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// One writer for the process, so lines from concurrent tasks never interleave.
    private static let output = Mutex(FileHandle.standardError)

    init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.render(
            format: format,
            time: Date(),
            level: event.level,
            message: "\(event.message)",
            label: label,
            metadata: merged
        )
        Self.output.withLock { $0.write(Data((line + "\n").utf8)) }
    }

    static func render(
        format: Format,
        time: Date,
        level: Logger.Level,
        message: String,
        label: String,
        metadata: Logger.Metadata
    )
        -> String
    {
        let timestamp = time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let fields = metadata.keys.sorted().map { ($0, "\(metadata[$0]!)") }
        switch format {
        case .logfmt:
            var parts = ["time=\(timestamp)", "level=\(level.rawValue)", "msg=\(quoted(message))", "logger=\(quoted(label))"]
            parts += fields.map { "\($0.0)=\(quoted($0.1))" }
            return parts.joined(separator: " ")
        case .json:
            var object: [String: String] = ["time": timestamp, "level": level.rawValue, "msg": message, "logger": label]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(object), as: UTF8.self)) ?? "{}"
        }
    }

    /// logfmt quoting: bare when safe, else quoted with `\` escapes. Control characters (a carriage
    /// return, a terminal escape) are escaped too: values carry event data from outside, which must not
    /// forge a log line or drive the terminal that shows it.
    static func quoted(_ value: String) -> String {
        let safe = !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || "-._:/@+".contains($0) }
        if safe { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            default:
                if let escape = scalar.controlEscape { escaped += escape } else { escaped.unicodeScalars.append(scalar) }
            }
        }
        return "\"\(escaped)\""
    }
}
