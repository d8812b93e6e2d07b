import BotKit
import Foundation

/// A short lease on one address in the plugin's state, so two actions never both check and then both
/// invite the same person. Kept in the store, so it holds across concurrent actions; a lease older than
/// `ttl` is taken over, so a crash never leaves an address locked.
struct InviteLock {
    let state: any PluginState
    let key: String
    let owner: String
    var ttl: TimeInterval = 120

    /// Takes the lease, or returns who holds it.
    func acquire(now: Date) async throws -> String? {
        let owner = self.owner
        let ttl = self.ttl
        let result = try await state.update(key) { current in
            if let holder = current?["owner"]?.stringValue, holder != owner,
                let at = current?["at"]?.numberValue, now.timeIntervalSince1970 - at < ttl
            {
                return current
            }
            return ["owner": .string(owner), "at": .number(now.timeIntervalSince1970)]
        }
        let holder = result?["owner"]?.stringValue
        return holder == owner ? nil : holder
    }

    func release() async throws {
        let owner = self.owner
        try await state.update(key) { current in
            current?["owner"]?.stringValue == owner ? nil : current
        }
    }
}
