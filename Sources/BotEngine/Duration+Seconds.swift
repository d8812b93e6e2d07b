extension Duration {
    /// Seconds as a floating-point number: what rates, backoffs, clocks in `Date` and timers take.
    ///
    /// One definition for the engine and the modules above it (the listener, the pollers, the
    /// executable). AvalaAPI and AvalaSimulator sit below the engine and keep their own.
    public var seconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) / 1e18
    }
}
