import AvalaAPI
import Foundation

extension SimulatorState {
    func addFault(_ fault: Fault) {
        faults.append(fault)
    }

    func clearFaults() {
        faults = []
    }

    /// The fault that applies to this request, if any; count-limited faults are used up here.
    func fault(method: String, path: String) -> Fault? {
        for index in faults.indices {
            let fault = faults[index]
            guard path.hasPrefix(fault.pathPrefix), fault.method.map({ $0.uppercased() == method }) ?? true else { continue }
            if let count = fault.count {
                guard count > 0 else { continue }
                faults[index].count = count - 1
                return fault
            }
            if let rate = fault.rate, Double.random(in: 0..<1) >= rate { continue }
            return fault
        }
        return nil
    }

    func record(_ request: RecordedRequest) {
        recorded.append(request)
        // Bounded, so a long benchmark run does not grow without end.
        if recorded.count > 100_000 { recorded.removeFirst(recorded.count - 100_000) }
    }

    func recordedRequests() -> [RecordedRequest] {
        recorded
    }

    func clearRecordedRequests() {
        recorded = []
    }

    /// Counts a request against the key's one-minute window.
    func spendRateBudget(key: String, now: Date) -> RateDecision {
        let limit = configuration.requestsPerMinute
        var window = rateWindows[key] ?? (now, 0)
        let length = configuration.rateWindow.timeInterval
        if now.timeIntervalSince(window.start) >= length { window = (now, 0) }
        let reset = window.start.addingTimeInterval(length)
        guard window.count < limit else {
            rateWindows[key] = window
            return RateDecision(allowed: false, limit: limit, remaining: 0, reset: reset)
        }
        window.count += 1
        rateWindows[key] = window
        return RateDecision(allowed: true, limit: limit, remaining: limit - window.count, reset: reset)
    }

    /// Counts requests in progress, for tests of the client's concurrency bound.
    func requestStarted() {
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
    }

    func requestFinished() {
        inFlight -= 1
    }

    /// The most requests in progress at once since the last call; resets the count.
    func takeMaxInFlight() -> Int {
        defer { maxInFlight = inFlight }
        return maxInFlight
    }

    func setNextLinkBase(_ base: String?) {
        nextLinkBase = base
    }

    func currentNextLinkBase() -> String? {
        nextLinkBase
    }

    func setPaginationQuirk(_ quirk: PaginationQuirk?) {
        paginationQuirk = quirk
    }

    func currentPaginationQuirk() -> PaginationQuirk? {
        paginationQuirk
    }
}

/// Whether a request fits the key's budget, with the `X-RateLimit-*` values to send.
struct RateDecision: Sendable {
    let allowed: Bool
    let limit: Int
    let remaining: Int
    let reset: Date
}
