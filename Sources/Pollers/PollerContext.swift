public import AvalaAPI
public import BotEngine
public import Logging

/// What every poller shares: the API client, the store its snapshots and events go to, the signal that
/// wakes the dispatcher, a logger, and its schedule.
public struct PollerContext: Sendable {
    public var client: AvalaClient
    public var store: any EventStore
    public var wake: WakeSignal
    public var logger: Logger
    public var schedule: PollSchedule

    public init(client: AvalaClient, store: any EventStore, wake: WakeSignal, logger: Logger, schedule: PollSchedule) {
        self.client = client
        self.store = store
        self.wake = wake
        self.logger = logger
        self.schedule = schedule
    }
}
