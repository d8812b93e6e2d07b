/// Waits for a condition that something else makes true (a dispatcher, a poller), checking it every
/// 10 ms; fails with ``Timeout`` after `timeout`. Not a sleep standing in for a condition: the test
/// still asserts what it waited for.
///
/// The default limit is generous on purpose: it costs nothing when the condition holds, and the whole
/// suite runs in parallel on two cores, where a bot doing a few paced API calls can take several seconds.
public enum Eventually {
    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "the condition did not hold in time" }
    }

    public static func until(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Timeout()
    }
}
