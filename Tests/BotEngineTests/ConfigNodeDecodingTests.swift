import BotEngine
import BotKit
import Foundation
import Testing

/// `ConfigNode` read through another decoder than the config loader's (JSON, say).
@Suite struct ConfigNodeDecodingTests {
    /// An id past 2^53 keeps its digits: read as a `Double` first, it became `9.007199254740992e+15`.
    @Test func wholeNumbersPastTwoToTheFiftyThirdKeepTheirDigits() throws {
        let node = try JSONDecoder().decode(ConfigNode.self, from: Data(#"{"id": 9007199254740993, "ratio": 0.5, "count": 3}"#.utf8))
        #expect(node.json == ["id": .integer(9_007_199_254_740_993), "ratio": 0.5, "count": 3])
        #expect(node.json["id"]?.text == "9007199254740993")
    }
}
