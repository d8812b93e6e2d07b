import Foundation
import Testing

/// The import directions of ARCHITECTURE.md, checked on the sources: a module may import only the
/// project modules listed for it, so a wrong arrow fails the suite instead of growing quietly.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Project modules each module may import.
    static let allowed: [String: Set<String>] = [
        "AvalaAPI": [],
        "AvalaSimulator": ["AvalaAPI"],
        "BotKit": [],
        "BotEngine": ["BotKit"],
        "WebhookListener": ["BotKit", "BotEngine"],
        "Pollers": ["AvalaAPI", "BotKit", "BotEngine"],
        "AvalaBot": ["AvalaAPI", "AvalaSimulator", "BotKit", "BotEngine", "WebhookListener", "Pollers"],
    ]

    /// BotKit is the stable plugin API: nothing but Foundation, Logging and Crypto.
    static let botKitExternal: Set<String> = ["Foundation", "Logging", "Crypto", "Synchronization"]

    static let projectModules: Set<String> = Set(allowed.keys)

    @Test func modulesImportOnlyWhatTheArchitectureAllows() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }
        #expect(!modules.isEmpty)
        for module in modules {
            let permitted = try #require(Self.allowed[module], "\(module) is not in ARCHITECTURE.md's module list")
            for (file, imported) in try Self.imports(under: sources.appendingPathComponent(module)) {
                for name in imported where Self.projectModules.contains(name) || name.hasSuffix("Plugin") {
                    // Only the executable wires plugins in.
                    let allowed = permitted.contains(name) || (module == "AvalaBot" && name.hasSuffix("Plugin"))
                    #expect(allowed, "\(file) imports \(name), which \(module) may not import")
                }
                if module == "BotKit" {
                    for name in imported {
                        #expect(Self.botKitExternal.contains(name), "\(file): BotKit may not import \(name)")
                    }
                }
            }
        }
    }

    @Test func pluginsImportOnlyBotKit() throws {
        let plugins = Self.root.appendingPathComponent("Plugins")
        guard FileManager.default.fileExists(atPath: plugins.path) else { return }
        for (file, imported) in try Self.imports(under: plugins) {
            for name in imported where Self.projectModules.contains(name) || name.hasSuffix("Plugin") {
                #expect(name == "BotKit", "\(file) imports \(name); a plugin imports BotKit only")
            }
        }
    }

    /// `(file, [module])` for every Swift file below `directory`.
    static func imports(under directory: URL) throws -> [(String, [String])] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var result: [(String, [String])] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let names = text.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                    words[..<index].allSatisfy({ ["public", "internal", "package", "private", "fileprivate"].contains($0) })
                else { return nil }
                return String(words[index + 1].split(separator: ".").first ?? "")
            }
            result.append((url.lastPathComponent, names))
        }
        return result
    }
}
