/// An event's type, with every wire name avala-bot knows in one place.
///
/// Open: a webhook may bring a type this version has never heard of, which is stored and routable as is.
public struct EventType: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible, Comparable
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }

    // Avala's webhooks.
    public static let exportCompleted: EventType = "export.completed"
    public static let exportFailed: EventType = "export.failed"
    public static let datasetCreated: EventType = "dataset.created"
    public static let datasetUpdated: EventType = "dataset.updated"
    public static let datasetDeleted: EventType = "dataset.deleted"
    public static let taskCompleted: EventType = "task.completed"
    public static let resultSubmitted: EventType = "result.submitted"
    public static let resultAccepted: EventType = "result.accepted"
    public static let resultRejected: EventType = "result.rejected"
    // What only polling sees.
    public static let projectStatusChanged: EventType = "project.status_changed"
    public static let projectCompleted: EventType = "project.completed"
    public static let projectProgress: EventType = "project.progress"
    public static let projectQualityDropped: EventType = "project.quality_dropped"
    public static let memberJoined: EventType = "member.joined"
    public static let memberLeft: EventType = "member.left"
    public static let memberRoleChanged: EventType = "member.role_changed"
    public static let invitationAccepted: EventType = "invitation.accepted"
    public static let invitationExpired: EventType = "invitation.expired"
    public static let webhookDeliveryFailed: EventType = "webhook.delivery_failed"
    // The bot's own.
    public static let botActionDeadLettered: EventType = "bot.action.dead_lettered"
    public static let botPollerFailing: EventType = "bot.poller.failing"
    public static let botPollerRecovered: EventType = "bot.poller.recovered"
    public static let botWebhookRejectedBurst: EventType = "bot.webhook.rejected_burst"
    /// `plugins.invite.roster.every` elapsed: a rule on it runs `invite.reconcile`.
    public static let botRosterDue: EventType = "bot.roster.due"

    /// Every type named in PRODUCT.md, for `check-config` and rule validation.
    public static let known: [EventType] = [
        .exportCompleted, .exportFailed, .datasetCreated, .datasetUpdated, .datasetDeleted, .taskCompleted,
        .resultSubmitted, .resultAccepted, .resultRejected, .projectStatusChanged, .projectCompleted,
        .projectProgress, .projectQualityDropped, .memberJoined, .memberLeft, .memberRoleChanged,
        .invitationAccepted, .invitationExpired, .webhookDeliveryFailed, .botActionDeadLettered,
        .botPollerFailing, .botPollerRecovered, .botWebhookRejectedBurst, .botRosterDue,
    ]

    /// `bot.*`: a failure while handling one never raises another, so the bot cannot loop on itself.
    public var isBotEvent: Bool { rawValue.hasPrefix("bot.") }

    /// Why this is no type name, or nil. A type is a name (`export.completed`, GitHub's `pull_request`,
    /// Stripe's `invoice.paid`): ASCII letters, digits and `. _ - :`, at most 128 of them. Anything else
    /// (a path, a space, a control character) would be stored, listed and matched by rules as if it
    /// were one; the listener refuses it.
    public var nameProblem: String? {
        let allowed = rawValue.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", ":": true
            default: false
            }
        }
        guard !allowed || rawValue.count > 128 else { return nil }
        let shown = rawValue.unicodeScalars.prefix(40).map { $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "?" }.joined()
        return "event type '\(shown)\(rawValue.count > 40 ? "…" : "")' is not a name: letters, digits and . _ - : only, at most 128"
    }

    /// The subject kind this type is about (`export` for `export.completed`), when it has one.
    public var subjectKind: String? {
        guard let dot = rawValue.firstIndex(of: "."), !isBotEvent else { return nil }
        return String(rawValue[..<dot])
    }
}
