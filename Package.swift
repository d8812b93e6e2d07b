// swift-tools-version: 6.1
import PackageDescription

/// Every target: Swift 6 language mode plus the upcoming features Hummingbird itself builds with.
let packageSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

extension Target {
    /// A *bot* plugin: a regular library target in Plugins/<name>, not a SwiftPM package plugin.
    static func botPlugin(_ name: String) -> Target {
        .target(
            name: "\(name)Plugin",
            dependencies: ["BotKit", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/\(name)",
            swiftSettings: packageSwiftSettings
        )
    }
}

let package = Package(
    name: "avala-bot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "avala-bot", targets: ["AvalaBot"]),
        .library(name: "AvalaAPI", targets: ["AvalaAPI"]),
        .library(name: "AvalaSimulator", targets: ["AvalaSimulator"]),
        .library(name: "BotKit", targets: ["BotKit"]),
        .library(name: "BotEngine", targets: ["BotEngine"]),
        .library(name: "AlertPlugin", targets: ["AlertPlugin"]),
        .library(name: "ExecPlugin", targets: ["ExecPlugin"]),
        .library(name: "ExportPlugin", targets: ["ExportPlugin"]),
        .library(name: "ForwardPlugin", targets: ["ForwardPlugin"]),
        .library(name: "InvitePlugin", targets: ["InvitePlugin"]),
        .library(name: "LogPlugin", targets: ["LogPlugin"]),
        .library(name: "Pollers", targets: ["Pollers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "AvalaAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "AvalaSimulator",
            dependencies: [
                "AvalaAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "BotKit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "BotEngine",
            dependencies: [
                "BotKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "WebhookListener",
            dependencies: [
                "BotEngine", "BotKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "Pollers",
            dependencies: [
                "AvalaAPI", "BotEngine", "BotKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .botPlugin("Alert"),
        .botPlugin("Exec"),
        .botPlugin("Export"),
        .botPlugin("Forward"),
        .botPlugin("Invite"),
        .botPlugin("Log"),
        .executableTarget(
            name: "AvalaBot",
            dependencies: [
                "AvalaAPI",
                "AvalaSimulator",
                "BotEngine",
                "BotKit",
                "AlertPlugin",
                "ExecPlugin",
                "ExportPlugin",
                "ForwardPlugin",
                "InvitePlugin",
                "LogPlugin",
                "Pollers",
                "WebhookListener",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "AvalaAPI",
                "AvalaSimulator",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "AvalaAPITests",
            dependencies: [
                "AvalaAPI",
                "AvalaSimulator",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "AvalaSimulatorTests",
            dependencies: [
                "AvalaAPI",
                "AvalaSimulator",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "AvalaBotTests",
            dependencies: [
                "AlertPlugin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "AvalaAPI",
                "AvalaBot",
                "AvalaSimulator",
                "WebhookListener",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "BotEngine",
                "BotKit",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "BotEngineTests",
            dependencies: [
                "BotEngine",
                "BotKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "WebhookListenerTests",
            dependencies: [
                "AvalaAPI", "AvalaSimulator", "BotEngine", "BotKit", "TestSupport", "WebhookListener",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "PollersTests",
            dependencies: [
                "AvalaAPI", "AvalaSimulator", "BotEngine", "BotKit", "Pollers", "TestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "PluginsTests",
            dependencies: [
                "AlertPlugin", "BotKit", "ExecPlugin", "ExportPlugin", "ForwardPlugin", "InvitePlugin", "LogPlugin",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: packageSwiftSettings
        ),
        .testTarget(
            name: "RepositoryTests",
            dependencies: ["TestSupport"],
            swiftSettings: packageSwiftSettings
        ),
    ]
)
