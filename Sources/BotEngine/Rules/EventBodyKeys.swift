import BotKit

/// The body keys each known event type carries (PRODUCT.md's "Events" table, `body` column), so that
/// `check-config` can warn about a path no event of a rule's types will ever have.
///
/// Optional keys (an export's `project`, present when enrichment worked) count as carried: the warning
/// is for paths that can never resolve, not for ones that sometimes don't.
enum EventBodyKeys {
    private static let table: [EventType: [String]] = [
        .exportCompleted: ["export", "project"], .exportFailed: ["export", "project"],
        .datasetCreated: ["dataset"], .datasetUpdated: ["dataset"], .datasetDeleted: ["dataset"],
        .taskCompleted: ["task", "project"],
        .resultSubmitted: ["result", "task"], .resultAccepted: ["result", "task"], .resultRejected: ["result", "task"],
        .projectStatusChanged: ["project", "from", "to"], .projectCompleted: ["project", "from"],
        .projectProgress: ["project", "metrics", "threshold"], .projectQualityDropped: ["project", "metrics", "threshold"],
        .memberJoined: ["organization", "member"], .memberLeft: ["organization", "member"],
        .memberRoleChanged: ["organization", "member", "from", "to"],
        .invitationAccepted: ["organization", "invitation"], .invitationExpired: ["organization", "invitation"],
        .webhookDeliveryFailed: ["delivery"],
        .botActionDeadLettered: ["action", "rule", "reason", "original"],
        .botPollerFailing: ["poller", "error", "since"], .botPollerRecovered: ["poller", "error", "since"],
        .botWebhookRejectedBurst: ["source", "count", "reasons"],
        .botRosterDue: ["organization", "file", "every"],
    ]

    /// The keys of a known type's body; nil for a type this version does not know (anything may come).
    static func keys(for type: EventType) -> [String]? {
        table[type]
    }
}
