import AWSCore

/// The private key file of a release's key pair: always an absolute path (so `keypair delete`
/// finds it from anywhere), never overwritten, and removed only when it holds a private key.
public struct KeyFile {
    public let path: String

    public init(_ path: String) { self.path = KeyFile.absolute(path) }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (cwd == "/" ? "" : cwd) + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// Before a pair is made: the file must not exist yet, and its folder must be writable.
    public func checkNew() throws {
        if access(path, F_OK) == 0 {
            throw ToolError.usage("\(path) already exists; choose another --key-file or remove it")
        }
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        guard access(dir.isEmpty ? "/" : dir, W_OK) == 0 else {
            throw ToolError.usage("cannot write the key file in \(dir): the folder does not exist or is not writable")
        }
    }

    /// Only a private key file is removed: a wrong path must not cost somebody another file.
    /// A file that is already gone passes.
    public func checkRemovable() throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        let marker = Array("-----BEGIN ".utf8)
        var head = [UInt8](repeating: 0, count: marker.count)
        let fd = open(path, O_RDONLY)
        let n = fd < 0 ? -1 : read(fd, &head, head.count)
        if fd >= 0 { close(fd) }
        guard st.st_mode & S_IFMT == S_IFREG, n == marker.count, head == marker else {
            throw ToolError.usage("\(path) is not a private key file; not removing it (check KeyFile)")
        }
    }

    /// Removes the file; false when it was already gone.
    public func remove() -> Bool { unlink(path) == 0 }
}
