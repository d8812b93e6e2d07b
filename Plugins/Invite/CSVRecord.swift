import BotKit

/// One record of a CSV file as RFC 4180 writes it, with the line it starts on.
///
/// Rosters are usually exported from a spreadsheet, which quotes fields (`"ana@acme.ai"`), doubles a
/// quote inside one (`""`), may put a comma or a line break inside quotes, ends lines with CRLF and may
/// start the file with a UTF-8 byte order mark. Fields are trimmed of surrounding spaces, quoted or not,
/// since a space is never part of an address or a role. A line whose first text is `#` is a comment and
/// a blank line is skipped, as before quoting was understood.
struct CSVRecord: Equatable, Sendable {
    /// The line (from 1) the record starts on: a quoted line break makes a record span several.
    var line: Int
    var fields: [String]

    /// A record that is not CSV: a quote never closed (the rest of the file would become one field), or
    /// text after a closing quote.
    struct Malformed: Error, Equatable {
        /// The line the problem starts on.
        var line: Int
        var reason: String
    }

    /// The records of `text`, without comments and blank lines.
    /// - Throws: ``Malformed`` naming the line.
    static func parse(_ text: String) throws(Malformed) -> [CSVRecord] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var records: [CSVRecord] = []
        var index = 0
        var line = 1
        // At the start of a line, one that is blank or a comment is skipped whole.
        func skipIgnoredLines() {
            while index < scalars.count {
                var end = index
                while end < scalars.count, scalars[end] != "\n", scalars[end] != "\r" { end += 1 }
                let content = String(String.UnicodeScalarView(scalars[index..<end])).trimmingWhitespace
                guard content.isEmpty || content.hasPrefix("#") else { return }
                index = end
                guard index < scalars.count else { return }
                index += scalars[index] == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n" ? 2 : 1
                line += 1
            }
        }
        skipIgnoredLines()
        while index < scalars.count {
            let start = line
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var quoted = false
            var endOfRecord = false
            while index < scalars.count, !endOfRecord {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"" where String(field).trimmingWhitespace.isEmpty && !quoted:
                    // An opening quote: read up to the closing one, `""` being a quote inside.
                    let opened = line
                    field = String.UnicodeScalarView()
                    quoted = true
                    var closed = false
                    while index < scalars.count {
                        let inner = scalars[index]
                        index += 1
                        if inner == "\"" {
                            if index < scalars.count, scalars[index] == "\"" {
                                field.append("\"")
                                index += 1
                                continue
                            }
                            closed = true
                            break
                        }
                        if inner == "\n" || (inner == "\r" && (index >= scalars.count || scalars[index] != "\n")) { line += 1 }
                        field.append(inner)
                    }
                    guard closed else { throw Malformed(line: opened, reason: "a quoted field is never closed (its closing \" is missing)") }
                case ",":
                    fields.append(String(field).trimmingWhitespace)
                    field = String.UnicodeScalarView()
                    quoted = false
                case "\r" where index < scalars.count && scalars[index] == "\n":
                    index += 1
                    endOfRecord = true
                case "\n", "\r":
                    endOfRecord = true
                case let blank where quoted && (blank == " " || blank == "\t"):
                    // Spaces after a closing quote, before the comma, are not part of the field.
                    continue
                default:
                    guard !quoted else { throw Malformed(line: line, reason: "text after a quoted field's closing quote") }
                    field.append(scalar)
                }
            }
            fields.append(String(field).trimmingWhitespace)
            if endOfRecord { line += 1 }
            records.append(CSVRecord(line: start, fields: fields))
            skipIgnoredLines()
        }
        return records
    }
}
