import BotKit
import Foundation
import Synchronization

/// A mark, shared by every action of the plugin, that one action is re-sending an expired invitation, or
/// did and got no answer: `{at, owner, unanswered_at?}` under `resending:<organization>:<invitation uid>`,
/// read as an ``UnansweredRequest``.
///
/// Each action keeps its own intent (`invite:<key>`, `resend:<key>`), which stops that action from sending
/// twice; but a second action (another event about the address, an `invite.resend` rule) lists the same
/// expired invitation while the first one's unanswered request may still land, and would send a second
/// email. The mark makes it wait until that request can no longer land: then the listing tells whether it
/// did (the invitation is live again) or not (still expired: it is sent now).
struct ResendMark {
    /// How long a mark is kept after its request could last have landed, for an `invite.resend` that waited
    /// on it to find it and say the invitation is live again because of it. An older one is ignored.
    static let retention: TimeInterval = 3_600

    let key: String
    let owner: String

    /// - Parameter owner: the saving action's own intent key, unique to the action and the address.
    init(organization: String, uid: String, owner: String) {
        key = "resending:\(organization):\(uid)"
        self.owner = owner
    }

    /// Another action's re-send of this invitation, as saved, with when it can no longer land; nil when
    /// there is none (or only this action's, or one past ``retention``, which is removed).
    func other(context: PluginContext) async throws -> (owner: String, settled: Date)? {
        guard let saved = try await context.state.get(key), let holder = saved["owner"]?.stringValue, holder != owner else { return nil }
        guard let settled = try await UnansweredRequest.settled(key, context: context) else { return nil }
        if context.now().timeIntervalSince(settled) > Self.retention {
            try await context.state.update(key) { current in current?["owner"]?.stringValue == holder ? nil : current }
            return nil
        }
        return (holder, settled)
    }

    /// Saves the mark before the request goes out, in one step with the check that no other action's
    /// request may still land (two actions cannot both take it).
    ///
    /// - Returns: nil when the mark is this action's now; else when the other action's request can no
    ///   longer land. A mark with no recorded end was cut off by a crash: its end is recorded as now, as
    ///   ``UnansweredRequest/settled(_:context:)`` does.
    func claim(context: PluginContext) async throws -> Date? {
        let owner = self.owner
        let now = context.now().timeIntervalSince1970
        let window = context.avala.requestTimeout + UnansweredRequest.margin
        let blocked = Mutex<Date?>(nil)
        try await context.state.update(key) { current in
            blocked.withLock { $0 = nil }
            if var saved = current?.objectValue, let holder = saved["owner"]?.stringValue, holder != owner,
                let at = saved["at"]?.numberValue
            {
                let ended = saved["unanswered_at"]?.numberValue ?? now
                let settled = max(at, ended) + window
                if now < settled {
                    blocked.withLock { $0 = Date(timeIntervalSince1970: settled) }
                    saved["unanswered_at"] = .number(ended)
                    return .object(saved)
                }
            }
            return ["at": .number(now), "owner": .string(owner)]
        }
        return blocked.withLock { $0 }
    }

    /// The request got no answer: it may land until the request timeout and margin from now.
    func unanswered(context: PluginContext) async throws {
        try await UnansweredRequest.unanswered(key, context: context)
    }

    /// The request was answered (sent, or refused: nothing sent): the mark goes, unless another action
    /// has saved its own since.
    func end(context: PluginContext) async throws {
        let owner = self.owner
        try await context.state.update(key) { current in current?["owner"]?.stringValue == owner ? nil : current }
    }
}
