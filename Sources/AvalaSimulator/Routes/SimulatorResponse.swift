import AvalaAPI
import Foundation
import HTTPTypes
import Hummingbird

/// Building answers in Avala's JSON, with explicit framing (the SDK's HTTP stack needs `Content-Length`,
/// and a 204 must carry no bytes).
enum SimulatorResponse {
    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? AvalaJSON.makeEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }

    static func jsonValue<Value: Encodable>(_ value: Value) -> JSONValue {
        guard let data = try? AvalaJSON.makeEncoder().encode(value),
            let json = try? AvalaJSON.makeDecoder().decode(JSONValue.self, from: data)
        else { return .null }
        return json
    }

    /// The request body as a JSON object; 400 in DRF's words when it is not one.
    static func object(_ request: inout Request) async throws -> [String: JSONValue] {
        let buffer = try await request.collectBody(upTo: 1_048_576)
        if buffer.readableBytes == 0 { return [:] }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw SimulatorError.detail(.badRequest, "JSON parse error - \(AvalaClientErrorText.describe(error))")
        }
        guard case .object(let object) = value else {
            throw SimulatorError.invalid("non_field_errors", "Invalid data. Expected a dictionary, but got \(kind(value)).")
        }
        return object
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .array: "list"
        case .string: "str"
        case .number, .integer: "int"
        case .bool: "bool"
        case .null: "NoneType"
        case .object: "dict"
        }
    }
}

/// Short descriptions of decoding errors for 400 answers.
enum AvalaClientErrorText {
    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// A string field; 400 when present with another type.
    func string(_ key: String) throws(SimulatorError) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .invalid(key, "Not a valid string.")
        }
    }

    func requiredString(_ key: String) throws(SimulatorError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw .invalid(key, "This field is required.") }
        return value
    }

    func bool(_ key: String) throws(SimulatorError) -> Bool? {
        switch self[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw .invalid(key, "Must be a valid boolean.")
        }
    }

    func int(_ key: String) throws(SimulatorError) -> Int? {
        switch self[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value: return Int(value)
        case .integer(let value)?: return Int(value)
        default: throw .invalid(key, "A valid integer is required.")
        }
    }

    func strings(_ key: String) throws(SimulatorError) -> [String]? {
        switch self[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard case .string(let value) = item else { throw .invalid(key, "Expected a list of strings.") }
                result.append(value)
            }
            return result
        default: throw .invalid(key, "Expected a list of items but got type \"\(self[key].map { "\($0)" } ?? "")\".")
        }
    }
}
