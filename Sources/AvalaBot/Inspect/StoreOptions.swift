import ArgumentParser
import BotEngine
import Foundation
import Logging

/// `--config` / `--store` for the commands that inspect the durable store while the bot may be running
/// (SQLite in WAL mode lets them read and write beside it).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The config file; its store.sqlite is opened.")
    var config = "config/avala-bot.yaml"

    @Option(name: .long, help: "The SQLite store to open instead of the config's store.sqlite.")
    var store: String?

    @Flag(name: .long, help: "One JSON object per line instead of a table.")
    var json = false

    /// The config file, read without resolving references, so inspecting never needs the API key; nil
    /// when the file does not exist.
    func loadConfig() -> LoadedConfiguration? {
        guard FileManager.default.fileExists(atPath: config) else { return nil }
        var loader = ConfigLoader()
        loader.resolveReferences = false
        return loader.load(path: config)
    }

    /// The store path: `--store`, else the config's (`loaded`, from ``loadConfig()``). A reference is
    /// resolved for the store path alone.
    func storePath(config loaded: LoadedConfiguration?) throws -> String {
        if let store { return store }
        guard let loaded else {
            throw CommandFailure("\(config) does not exist; pass --config FILE or --store PATH")
        }
        // Only what decides the store's path stands in the way: reading the store during an incident must
        // not need a plain-http simulator allowed, or a broken rule mended, first. An error of the whole
        // file (its YAML) leaves no path to trust.
        if let error = loaded.errors.first(where: { $0.path.isEmpty || $0.path == "store" || $0.path == "store.sqlite" }) {
            throw CommandFailure("\(error.description)\n(check-config lists every problem)")
        }
        let path = loaded.configuration.store.sqlite
        switch ConfigReference(path) {
        case nil:
            return path
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw CommandFailure("store.sqlite is ${\(name)}, which is not set; set it or pass --store PATH")
            }
            return value
        case .file:
            throw CommandFailure("store.sqlite is a ${file:…} reference; pass --store PATH")
        }
    }

    /// Opens the store (migrating it, as the bot would); an absent file is an error, not a new store.
    /// - Parameter readOnly: for the commands that only read: nothing is written to the file, so they
    ///   work on a full disk, a read-only file system or a copy, when an incident needs them most.
    func open(logger: Logger, readOnly: Bool = false) async throws -> SQLiteEventStore {
        // With --store the config is not needed: do not read it.
        try await open(logger: logger, config: store == nil ? loadConfig() : nil, readOnly: readOnly)
    }

    /// ``open(logger:readOnly:)`` with the config the caller has read already (``loadConfig()``).
    func open(logger: Logger, config loaded: LoadedConfiguration?, readOnly: Bool = false) async throws -> SQLiteEventStore {
        let path = try storePath(config: loaded)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no store at \(path): has the bot run with this config? (or pass --store PATH)")
        }
        // An empty file is no store yet: a command must not make one out of it (a typo in --store).
        if SQLiteEventStore.fileSize(path) == 0 {
            throw CommandFailure("\(path) is an empty file, not a store: has the bot run with this config? (or pass --store PATH)")
        }
        // What these commands print is their answer: the store's info lines ("Event store opened") on
        // standard error would only stand between it and an `Error:` line. Warnings still show.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        do {
            let store = try SQLiteEventStore(path: path, logger: quiet, configuration: .init(readOnly: readOnly))
            do {
                try await store.migrate()
                return store
            } catch let error as SQLiteEventStoreError where error.code == .outdatedSchema {
                // A store a newer bot has not run on yet: its upgrade is a write, as `run` would make it.
                try store.close()
                let writable = try SQLiteEventStore(path: path, logger: quiet)
                try await writable.migrate()
                return writable
            }
        } catch let error as SQLiteEventStoreError where error.code == .cannotOpen || error.code == .notAStore {
            throw CommandFailure(error.message)
        }
    }
}
