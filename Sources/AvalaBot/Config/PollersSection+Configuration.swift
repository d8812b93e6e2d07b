import Pollers

extension PollersSection {
    /// The pollers' own configuration; an absent section means that poller is off.
    var pollersConfiguration: PollersConfiguration {
        PollersConfiguration(
            exports: exports.map { .init(every: $0.every?.duration ?? .seconds(30), maxPages: $0.maxPages) },
            projects: projects.map {
                .init(
                    every: $0.every?.duration ?? .seconds(120),
                    progressThresholds: $0.progressThresholds ?? [],
                    minAcceptanceRate: $0.minAcceptanceRate,
                    maxPages: $0.maxPages
                )
            },
            members: members.map {
                .init(
                    organizations: $0.allOrganizations,
                    every: $0.every?.duration ?? .seconds(60),
                    emitExisting: $0.emitExisting,
                    maxPages: $0.maxPages
                )
            },
            invitations: invitations.map {
                .init(organizations: $0.allOrganizations, every: $0.every?.duration ?? .seconds(120), maxPages: $0.maxPages)
            },
            deliveries: deliveries.map { .init(every: $0.every?.duration ?? .seconds(300), maxPages: $0.maxPages) }
        )
    }
}
