// swift-tools-version: 6.1
// The benchmarks live in their own package, so that the product's build and test run never compile
// the benchmark harness. Run them with: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "avala-bot-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "avala-bot", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // For BareTLSServer, the listener benchmark's ceiling: the same versions the main package uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BotEngine", package: "avala-bot"),
                .product(name: "BotKit", package: "avala-bot"),
                .product(name: "LogPlugin", package: "avala-bot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A bare Hummingbird TLS route answering 200: the ceiling in Benchmarks/listener/run.sh.
        // Not a `swift package benchmark` target (no BenchmarkPlugin), so that command ignores it.
        .executableTarget(
            name: "BareTLSServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "BareTLSServer"
        ),
        .executableTarget(
            name: "PollerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AvalaAPI", package: "avala-bot"),
                .product(name: "AvalaSimulator", package: "avala-bot"),
                .product(name: "BotEngine", package: "avala-bot"),
                .product(name: "Pollers", package: "avala-bot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/PollerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
