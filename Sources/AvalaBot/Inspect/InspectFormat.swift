import AlertPlugin
import BotEngine
import BotKit
import Foundation

/// How the inspection commands print: aligned columns for people, JSON lines for scripts.
enum InspectFormat {
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }

    /// Columns padded to the widest cell; the last column is not padded. A cell's control characters are
    /// escaped: event data and outcome details come from outside, and a newline or a terminal escape in
    /// one would break the table or the terminal.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = ([header] + rows).map { $0.map(\.escapingControlCharacters) }
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
    }

    /// Where an event came from, for tables: `webhook avala`, and for a replay the event it replays
    /// (which otherwise looks like its original, whose source and origin it keeps).
    static func from(_ event: Event) -> String {
        let from = "\(event.source.rawValue) \(event.origin)"
        return event.replayOf.map { "\(from) (replay of \($0))" } ?? from
    }

    static func jsonLine(_ value: JSON) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// - Parameter botRuns: whether a bot holds the store; nil when unknown. A `running` event in a store
    ///   no bot holds was interrupted: `interrupted: true` says so, and `status` stays what scripts read.
    static func json(_ stored: StoredEvent, botRuns: Bool? = nil) -> JSON {
        var object = stored.event.fileForm.objectValue ?? [:]
        object["status"] = .string(stored.status.rawValue)
        if stored.status == .running, botRuns == false { object["interrupted"] = .bool(true) }
        object["attempts"] = .number(Double(stored.attempts))
        object["stored_at"] = .string(time(stored.storedAt))
        object["keys"] = .array(stored.event.keys.map(JSON.string))
        return .object(object)
    }

    /// An event's status for people: `running` in a store no bot holds is `interrupted`.
    static func status(_ stored: StoredEvent, botRuns: Bool?) -> String {
        stored.status == .running && botRuns == false ? "interrupted" : stored.status.rawValue
    }

    /// After queuing work (a replay, a retry) in a store no bot holds: said on standard error, so that it
    /// is not taken for done, and standard output stays the command's answer.
    static func noteWhenNoBotRuns(_ storePath: String) {
        guard StoreLock.isHeld(storePath: storePath) == false else { return }
        Console.note("(no bot runs on \(storePath) now: what was queued runs when one starts)")
    }

    /// Said below a table that shows an interrupted event.
    static let interruptedNote = "(interrupted: the bot stopped while handling it, and it resumes when the bot starts)"

    static func json(_ step: StepRecord) -> JSON {
        [
            "step": .string(step.stepID), "event": .string(step.eventID), "rule": .string(step.rule),
            "plugin": .string(step.plugin), "action": .string(step.action), "status": .string(step.status.rawValue),
            "attempts": .number(Double(step.attempts)), "detail": step.detail.map(JSON.string) ?? .null,
            "updated_at": .string(time(step.updatedAt)),
            "discarded_at": step.discardedAt.map { .string(time($0)) } ?? .null,
        ]
    }

    /// `2h`, `30m` (that long ago), or an ISO-8601 time: an end of a `--since` / `--until` window.
    static func since(_ text: String, option: String = "--since", now: Date = Date()) throws -> Date {
        if let duration = try? ConfigDuration.parse(text) {
            return now.addingTimeInterval(-Double(duration.components.seconds))
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let reason = whyNotDurationOrTime(text) { throw InspectError("\(option) \(text): \(reason)") }
        throw InspectError("\(option) takes a duration (30m, 2h, 7d) or an ISO-8601 time, not '\(text)'")
    }

    /// Whether `text` starts with a year and a dash: a time was meant, however it goes on.
    static func meantAsTime(_ text: String) -> Bool {
        text.count > 4 && text.prefix(4).allSatisfy { $0.isASCII && $0.isNumber } && text.dropFirst(4).first == "-"
    }

    /// Why `text`, written as a duration or a time (it starts with a digit), is neither, as `check-config`
    /// would say it: `5` needs a unit, `2026-12-03` a time, `2026-12-03T17:00:00` a zone. Nil for text of
    /// neither shape, which the generic message answers better.
    static func whyNotDurationOrTime(_ text: String) -> String? {
        guard let first = text.first, first.isASCII, first.isNumber else { return nil }
        if meantAsTime(text) {
            do { _ = try AlertSilence.until(text) } catch { return error.message }
        } else {
            do { _ = try ConfigDuration.parse(text) } catch { return error.message }
        }
        return nil
    }
}

struct InspectError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
