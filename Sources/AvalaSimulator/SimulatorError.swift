import AvalaAPI
import Foundation
public import HTTPTypes
public import Hummingbird

/// An error answer in Avala's (Django REST Framework's) shapes: `{"detail": …}` or `{"field": ["msg"]}`.
public struct SimulatorError: Error, HTTPResponseError {
    public let status: HTTPResponse.Status
    let body: JSONValue
    var headers: HTTPFields = [:]

    public static func notFound() -> SimulatorError {
        SimulatorError(status: .notFound, body: ["detail": "Not found."])
    }

    public static func invalid(_ field: String, _ message: String) -> SimulatorError {
        SimulatorError(status: .badRequest, body: [field: [.string(message)]])
    }

    public static func detail(_ status: HTTPResponse.Status, _ message: String) -> SimulatorError {
        SimulatorError(status: status, body: ["detail": .string(message)])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let data = (try? AvalaJSON.makeEncoder().encode(body)) ?? Data()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
