public import AvalaAPI
public import BotEngine
public import Logging

/// Which pollers run and how: the `pollers.*` section of the config, as AvalaBot hands it over.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `exports.every` | 30 s | absent section → poller off |
/// | `projects.every` | 2 m | |
/// | `projects.progress_thresholds` | — | percents that raise `project.progress` |
/// | `projects.min_acceptance_rate` | — | 0–1; below raises `project.quality_dropped` |
/// | `members.organizations` | — | one members poller per organization |
/// | `members.every` | 1 m | |
/// | `members.emit_existing` | false | first run raises `member.joined` for everyone |
/// | `invitations.every` | 2 m | organizations as for members |
/// | `*.max_pages` | 50 | per listing per cycle; a warning when it cuts |
public struct PollersConfiguration: Sendable {
    public struct Exports: Sendable {
        public var every: Duration
        public var maxPages: Int
        public init(every: Duration = .seconds(30), maxPages: Int = 50) {
            self.every = every
            self.maxPages = maxPages
        }
    }

    public struct Projects: Sendable {
        public var every: Duration
        public var progressThresholds: [Double]
        public var minAcceptanceRate: Double?
        public var maxPages: Int
        public init(every: Duration = .seconds(120), progressThresholds: [Double] = [], minAcceptanceRate: Double? = nil, maxPages: Int = 50) {
            self.every = every
            self.progressThresholds = progressThresholds
            self.minAcceptanceRate = minAcceptanceRate
            self.maxPages = maxPages
        }
    }

    public struct Organizations: Sendable {
        public var organizations: [String]
        public var every: Duration
        public var emitExisting: Bool
        public var maxPages: Int
        public init(organizations: [String], every: Duration, emitExisting: Bool = false, maxPages: Int = 50) {
            self.organizations = organizations
            self.every = every
            self.emitExisting = emitExisting
            self.maxPages = maxPages
        }
    }

    public var exports: Exports?
    public var projects: Projects?
    public var members: Organizations?
    public var invitations: Organizations?
    /// `pollers.deliveries`: Avala's webhook deliveries, for `webhook.delivery_failed`.
    public var deliveries: Exports?
    /// How often followed exports are checked ("every few seconds"), whether or not `pollers.exports` is on.
    public var followedEvery: Duration = .seconds(5)

    public init(
        exports: Exports? = nil,
        projects: Projects? = nil,
        members: Organizations? = nil,
        invitations: Organizations? = nil,
        deliveries: Exports? = nil
    ) {
        self.exports = exports
        self.projects = projects
        self.members = members
        self.invitations = invitations
        self.deliveries = deliveries
    }

    /// One service per configured poller (and per organization for members and invitations), sharing
    /// one client, one store and the dispatcher's wake signal. Add them to the ServiceGroup before the
    /// dispatcher, so they stop first on shutdown.
    public func makePollers(client: AvalaClient, store: any EventStore, wake: WakeSignal, logger: Logger) -> [any Poller] {
        func context(_ every: Duration, _ maxPages: Int) -> PollerContext {
            PollerContext(client: client, store: store, wake: wake, logger: logger, schedule: PollSchedule(interval: every, maxPages: maxPages))
        }
        var pollers: [any Poller] = []
        if let exports {
            pollers.append(ExportsPoller(context: context(exports.every, exports.maxPages)))
        }
        // The export plugin's `follow: true` is checked every few seconds whether or not the exports poller
        // runs, and however slowly it polls (PRODUCT.md, Chains). Idle while nothing followed is open; an
        // export both report is one event (its semantic key).
        pollers.append(ExportsPoller(context: context(followedEvery, 1), followedOnly: true))
        if let projects {
            pollers.append(
                ProjectsPoller(
                    context: context(projects.every, projects.maxPages),
                    progressThresholds: projects.progressThresholds,
                    minAcceptanceRate: projects.minAcceptanceRate
                )
            )
        }
        if let members {
            for organization in members.organizations {
                pollers.append(
                    MembersPoller(organization: organization, context: context(members.every, members.maxPages), emitExisting: members.emitExisting)
                )
            }
        }
        if let invitations {
            for organization in invitations.organizations {
                pollers.append(InvitationsPoller(organization: organization, context: context(invitations.every, invitations.maxPages)))
            }
        }
        if let deliveries {
            pollers.append(DeliveriesPoller(context: context(deliveries.every, deliveries.maxPages)))
        }
        return pollers
    }
}
