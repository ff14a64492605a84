#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The text of the current errno.
public func errnoMessage() -> String { String(cString: strerror(errno)) }

/// The process environment as a dictionary, read once and passed down so that every
/// resolver can be tested with an environment of its own.
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}

/// Reads a whole file; nil when it does not exist or cannot be read.
public func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    return out
}

/// Reads all of standard input. A SIGINT or SIGTERM ends the wait (the handler is installed
/// without SA_RESTART, so read(2) returns EINTR) and throws `interrupted`.
public func readStandardInput() throws -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = read(0, &buffer, buffer.count)
        if n < 0 && errno == EINTR {
            try Interrupt.check()
            continue
        }
        if n <= 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    try Interrupt.check()
    return out
}

/// Writes a file atomically (temporary name, then rename) with the given mode, so that a
/// reader never sees half a file and a secret is never readable by others, not even briefly.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
    let tmp = path + ".tmp.\(getpid())"
    // Close-on-exec: a process started meanwhile must not hold the file open for writing (running
    // a script written so would fail with "Text file busy").
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw ToolError.usage("cannot write \(path): \(errnoMessage())") }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { close(fd); unlink(tmp); throw ToolError.usage("cannot write \(path): \(errnoMessage())") }
        offset += n
    }
    fchmod(fd, mode)
    fsync(fd)
    close(fd)
    guard rename(tmp, path) == 0 else { unlink(tmp); throw ToolError.usage("cannot write \(path): \(errnoMessage())") }
}

/// Writes a line to standard error: every log and progress message goes there.
public func log(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { fputs($0, stderr) }
}

/// A monotonic clock for deadlines and durations.
public func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
