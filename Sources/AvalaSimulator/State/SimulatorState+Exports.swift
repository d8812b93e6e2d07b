import AvalaAPI
import Foundation
import HTTPTypes

extension SimulatorState {
    func listExports() -> [Export] {
        exports.map(\.export)
    }

    func export(uid: String) throws(SimulatorError) -> Export {
        guard let record = exports.first(where: { $0.export.uid == uid }) else { throw .notFound() }
        return record.export
    }

    /// Any of the three request shapes; whichever fields the request left out stay absent or default.
    func createExport(
        name: String?,
        format: String?,
        projects projectUIDs: [String],
        datasets datasetUIDs: [String],
        slices: [String]
    ) throws(SimulatorError) -> Export {
        guard !projectUIDs.isEmpty || !datasetUIDs.isEmpty || !slices.isEmpty else {
            throw .invalid("non_field_errors", "Provide a project, a dataset or a slice to export.")
        }
        for uid in projectUIDs where !projects.contains(where: { $0.project.uid == uid }) {
            throw .invalid("projects", "Invalid pk \"\(uid)\" - object does not exist.")
        }
        for uid in datasetUIDs where !datasets.contains(where: { $0.uid == uid }) {
            throw .invalid("datasets", "Invalid pk \"\(uid)\" - object does not exist.")
        }
        if let name, name.isEmpty || name.count > 255 {
            throw .invalid("name", "Ensure this field has between 1 and 255 characters.")
        }
        let now = Date()
        let export = Export(
            uid: newUID(),
            status: .requested,
            downloadURL: nil,
            name: name ?? "export",
            format: format ?? "avala-json-external",
            projects: projectUIDs,
            datasets: datasetUIDs,
            slices: slices,
            error: nil,
            totalTaskCount: nil,
            exportedTaskCount: 0,
            createdAt: now,
            updatedAt: now
        )
        exports.insert(ExportRecord(export: export, startedAt: configuration.exportCompletionAfter == nil ? nil : now), at: 0)
        return export
    }

    /// Moves running exports along by the clock and fires the webhook of each one that ended.
    func advanceExports(now: Date) {
        guard let completion = configuration.exportCompletionAfter else { return }
        let processing = configuration.exportProcessingAfter.timeInterval
        for index in exports.indices {
            guard let started = exports[index].startedAt, !(exports[index].export.status?.isTerminal ?? false) else {
                continue
            }
            // One step per advance, and `processing` lasts its full share of the time even when the
            // clock's ticks come late (a loaded machine): an export never jumps from requested to done.
            if exports[index].export.status != .processing {
                if now.timeIntervalSince(started) >= processing {
                    exports[index].export.status = .processing
                    exports[index].export.updatedAt = now
                }
            } else if let since = exports[index].export.updatedAt,
                now.timeIntervalSince(since) >= completion.timeInterval - processing
            {
                finish(at: index, now: now)
            }
        }
    }

    /// Terminal now, successfully; the `export.completed` webhook fires.
    func finishExport(uid: String) throws(SimulatorError) -> Export {
        guard let index = exports.firstIndex(where: { $0.export.uid == uid }) else { throw .notFound() }
        guard !(exports[index].export.status?.isTerminal ?? false) else {
            throw .detail(.conflict, "Export is already \(exports[index].export.status?.rawValue ?? "finished").")
        }
        finish(at: index, now: Date())
        return exports[index].export
    }

    /// Terminal now, failed; the `export.failed` webhook fires.
    func failExport(uid: String, error: String?) throws(SimulatorError) -> Export {
        guard let index = exports.firstIndex(where: { $0.export.uid == uid }) else { throw .notFound() }
        guard !(exports[index].export.status?.isTerminal ?? false) else {
            throw .detail(.conflict, "Export is already \(exports[index].export.status?.rawValue ?? "finished").")
        }
        let now = Date()
        exports[index].export.status = .failed
        exports[index].export.error = error ?? "Export failed"
        exports[index].export.updatedAt = now
        exports[index].startedAt = nil
        emit("export.failed", resource: exports[index].export)
        return exports[index].export
    }

    private func finish(at index: Int, now: Date) {
        let uid = exports[index].export.uid
        exports[index].export.status = .exported
        exports[index].export.downloadURL = "https://downloads.avala.invalid/exports/\(uid).zip"
        exports[index].export.totalTaskCount = exports[index].export.totalTaskCount ?? 100
        exports[index].export.exportedTaskCount = exports[index].export.totalTaskCount
        exports[index].export.updatedAt = now
        exports[index].startedAt = nil
        emit("export.completed", resource: exports[index].export)
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
