import Testing

@testable import BotEngine

/// The dispatcher's wake-up: remembered once when nobody waits, delivered to whoever waits, bounded by the
/// timeout and by cancellation.
@Suite struct WakeSignalTests {
    /// Long enough that returning by it would fail the tests' bounds; they never wait for it.
    static let never: Duration = .seconds(60)

    @Test func aWakeWithNobodyWaitingIsTakenByTheNextWait() async {
        let signal = WakeSignal()
        signal.wake()
        let elapsed = await ContinuousClock().measure { await signal.wait(timeout: Self.never) }
        #expect(elapsed < .seconds(10))
    }

    @Test func aRememberedWakeIsTakenOnlyOnce() async {
        let signal = WakeSignal()
        signal.wake()
        signal.wake()
        await signal.wait(timeout: Self.never)
        let elapsed = await ContinuousClock().measure { await signal.wait(timeout: .milliseconds(50)) }
        #expect(elapsed >= .milliseconds(50))
    }

    /// A task waiting on `signal`, returned once its wait is registered; its value is how long it waited.
    static func waiter(on signal: WakeSignal) async -> Task<Duration, Never> {
        let waiter = Task { await ContinuousClock().measure { await signal.wait(timeout: never) } }
        while signal.waiterCount == 0 { await Task.yield() }
        return waiter
    }

    @Test func aWakeResumesAWaiter() async {
        let signal = WakeSignal()
        let waiter = await Self.waiter(on: signal)
        signal.wake()
        #expect(await waiter.value < .seconds(10))
        #expect(signal.waiterCount == 0)
    }

    @Test func cancellingAWaiterEndsItsWait() async {
        let signal = WakeSignal()
        let waiter = await Self.waiter(on: signal)
        waiter.cancel()
        #expect(await waiter.value < .seconds(10))
        #expect(signal.waiterCount == 0)
    }
}
