import BotEngine
import BotKit
import Foundation
import Pollers

extension PollersSection {
    /// The fewest requests a minute the configured pollers make: one listing page per cycle, per
    /// organization for members and invitations. More pages, the projects poller's metrics (one request
    /// per project whose `updated_at` moved, and up to 10 a cycle for active projects whose metrics
    /// are 5 cycles old), the exports the export plugin follows beyond one (a read each every few seconds
    /// while they run: how many is known only at run time) and the plugins' calls come on top, from the
    /// same `api.requests_per_minute` budget.
    ///
    /// - Parameter followsExports: whether some rule always follows the export it starts: the watcher of
    ///   followed exports (`exports.followed`, which runs without a `pollers` section too) then reads at
    ///   least one every `followedEvery` while it runs.
    func minimumRequestsPerMinute(followsExports: Bool) -> Double {
        let configuration = pollersConfiguration
        func perMinute(_ every: Duration, times count: Int = 1) -> Double { 60 / max(every.seconds, 0.001) * Double(count) }
        var total = followsExports ? perMinute(configuration.followedEvery) : 0
        if let exports = configuration.exports { total += perMinute(exports.every) }
        if let projects = configuration.projects { total += perMinute(projects.every) }
        if let members = configuration.members { total += perMinute(members.every, times: members.organizations.count) }
        if let invitations = configuration.invitations { total += perMinute(invitations.every, times: invitations.organizations.count) }
        if let deliveries = configuration.deliveries { total += perMinute(deliveries.every) }
        return total
    }

    /// A warning when the pollers alone would spend more than the client's budget: the client would hold
    /// every request back to the budget, so cycles run late and plugins' calls wait behind them, which
    /// otherwise shows only as pollers slower than their `every`.
    ///
    /// - Parameter following: the rules that always follow the export they start
    ///   (``minimumRequestsPerMinute(followsExports:)``), named in the warning.
    func budgetWarning(requestsPerMinute budget: Int, following: [String] = [], at location: SourceLocation?) -> ConfigDiagnostic? {
        let needed = minimumRequestsPerMinute(followsExports: !following.isEmpty)
        guard needed > Double(budget) else { return nil }
        let every = ConfigDuration.format(pollersConfiguration.followedEvery)
        let watcher =
            following.isEmpty
            ? ""
            : ", and a read every \(every) while an export that rule\(following.count == 1 ? "" : "s") \(following.joined(separator: ", "))"
                + " follow\(following.count == 1 ? "s" : "") runs"
        return ConfigDiagnostic(
            .warning,
            at: location,
            path: "pollers",
            "the pollers need at least \(Int(needed.rounded(.up))) requests a minute (a page per cycle, per organization for members and invitations\(watcher)), more than api.requests_per_minute (\(budget)): their cycles will run late and plugins' calls wait behind them; poll less often or raise the budget as far as Avala allows"
        )
    }
}
