import Foundation

/// Reads a text file the config names (the config itself, a `${file:…}` secret, a roster), saying in a
/// few words why it cannot: Foundation's own reasons read "The operation could not be completed.
/// (NSCocoaErrorDomain error 256.)" for a directory. Never quotes what the file holds, which may be a
/// secret. Devices and pipes are read as files are, so `--config /dev/stdin` and a shell's `<(…)` work.
public enum TextFile {
    public struct Failure: Error, Equatable {
        /// `no such file`, `is a directory`, `permission denied`, `is not UTF-8 text (line 3)`.
        public let reason: String
    }

    public static func read(_ path: String) throws(Failure) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(reason: Self.reason(errno)) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw Failure(reason: "is a directory")
        }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw Failure(reason: Self.reason((error as NSError).domain == NSPOSIXErrorDomain ? Int32((error as NSError).code) : EIO))
        }
        return try Self.text(data)
    }

    /// `data` as UTF-8, or where it stops being UTF-8.
    static func text(_ data: Data) throws(Failure) -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            throw Failure(reason: "is UTF-16 text; save it as UTF-8")
        }
        var line = 1
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) {
            if scalar.elementsEqual([0x0A]) { line += 1 }
        }
        throw Failure(reason: "is not UTF-8 text (line \(line) has a byte that is not)")
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case ENOTDIR: "a part of the path is not a directory"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory"
        case ELOOP: "too many symbolic links"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
