extension JSON {
    /// Parses one JSON text (RFC 8259): any value at the top level, surrounding whitespace allowed, nothing after it.
    ///
    /// The result is the value `JSONDecoder().decode(JSON.self, from:)` gives for the same bytes, including
    /// the first of duplicate object keys winning and numbers that overflow to infinity, or underflow to
    /// zero, being refused. Stricter than JSONDecoder on purpose: no trailing commas (`[1,]`), no UTF-16 or
    /// UTF-32 bodies, and every value is checked, even one a repeated key hides (JSONDecoder never reads
    /// those). A leading UTF-8 byte order mark is skipped, as RFC 8259 §8.1 allows and JSONDecoder does.
    ///
    /// Error offsets count from the collection's first byte, also for a slice.
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice`, `Data`, a native `String`'s or `Substring`'s
    /// `utf8`) are read in place; anything else is copied into an array first.
    ///
    /// - Parameter maximumDepth: the deepest nesting accepted; by default JSONDecoder's 512.
    /// - Throws: ``JSONParseError`` naming the first byte at which the text stops being JSON.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maximumDepth: Int = JSON.maximumParseDepth
    ) throws(JSONParseError) -> JSON {
        // `withContiguousStorageIfAvailable` rethrows as `any Error`; a `Result` carries the typed error out.
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(buffer, maximumDepth: maximumDepth) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(buffer, maximumDepth: maximumDepth) }
        }.get()
    }

    /// The nesting ``parse(_:maximumDepth:)`` accepts by default: JSONDecoder's own limit.
    public static let maximumParseDepth = JSONParser.maximumDepth

    /// Parses one JSON text from raw memory, such as a network buffer's readable bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        try JSONParser.parse(bytes.assumingMemoryBound(to: UInt8.self))
    }
}
