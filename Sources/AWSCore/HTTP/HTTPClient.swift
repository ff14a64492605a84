import CCurl

/// One libcurl easy handle per client, reused for every request so that connections stay
/// alive between the calls of a process. Not thread-safe: one client per thread.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    public var connectTimeout: Double = 10
    public var timeout: Double = 300
    public let caBundle: String?
    /// Bytes of bodies that passed through this client, for the benchmarks' proof that no image
    /// byte does.
    public private(set) var bytesSent: Int64 = 0
    public private(set) var bytesReceived: Int64 = 0
    /// Checked during transfers, so an interrupt does not wait for a slow response.
    public var shouldAbort: () -> Bool = { Interrupt.requested != 0 }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(environment: [String: String] = processEnvironment()) {
        _ = HTTPClient.globalInit
        handle = curl_easy_init()!
        caBundle = environment["AWS_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    deinit { curl_easy_cleanup(handle) }

    /// Sends one request. With `responseFile`, the body is streamed into that file.
    public func send(_ request: HTTPRequest, responseFile: String? = nil) throws -> HTTPResponse {
        curl_easy_reset(handle)
        let sink = ResponseSink()
        if let responseFile {
            guard let f = fopen(responseFile, "wb") else {
                throw ToolError.usage("cannot write \(responseFile): \(errnoMessage())")
            }
            sink.file = f
        }
        defer { if let f = sink.file { fclose(f) } }
        var source: RequestSource?
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        setLong(CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_NOPROGRESS, 0)
        if let caBundle { setString(CURLOPT_CAINFO, caBundle) }
        setString(CURLOPT_URL, request.url)

        // A HEAD answer's Content-Length is that of a body that never comes: without NOBODY curl waits
        // for it and fails with "partial file", whatever the request held. A HEAD sends no body either
        // (RawRequest refuses a non-empty one), so an empty `body` does not make it an upload.
        if request.method == "HEAD" {
            setLong(CURLOPT_NOBODY, 1)
        } else {
            switch request.body {
            case .empty:
                if request.method != "GET" { setString(CURLOPT_CUSTOMREQUEST, request.method) }
                if request.method == "POST" || request.method == "PUT" {
                    headerList = curl_slist_append(headerList, "Content-Length: 0")
                }
            case let .bytes(b):
                source = RequestSource(bytes: b)
            case let .file(path):
                guard let f = fopen(path, "rb") else { throw ToolError.usage("cannot read \(path): \(errnoMessage())") }
                source = RequestSource(file: f, size: fileSize(f))
            }
        }
        if let source {
            // UPLOAD streams the body through the read callback; the verb is then set explicitly.
            setLong(CURLOPT_UPLOAD, 1)
            sr_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(source.size))
            sr_setopt_read(handle, CURLOPT_READFUNCTION, readCallback)
            sr_setopt_ptr(handle, CURLOPT_READDATA, Unmanaged.passUnretained(source).toOpaque())
            if request.method != "PUT" { setString(CURLOPT_CUSTOMREQUEST, request.method) }
        }
        defer { if let f = source?.file { fclose(f) } }

        for field in request.headers where field.name.lowercased() != "host" {
            headerList = curl_slist_append(headerList, "\(field.name): \(field.value)")
        }
        // curl would add these by itself; AWS needs neither, and Expect costs a round trip.
        headerList = curl_slist_append(headerList, "Expect:")
        headerList = curl_slist_append(headerList, "Accept:")
        sr_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList)

        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        sr_setopt_write(handle, CURLOPT_WRITEFUNCTION, writeCallback)
        sr_setopt_ptr(handle, CURLOPT_WRITEDATA, sinkPointer)
        sr_setopt_write(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        sr_setopt_ptr(handle, CURLOPT_HEADERDATA, sinkPointer)
        let abort = AbortCheck(shouldAbort)
        sr_setopt_ptr(handle, CURLOPT_XFERINFOFUNCTION, unsafeBitCast(progressCallback, to: UnsafeRawPointer.self))
        sr_setopt_ptr(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(abort).toOpaque())

        let rc = curl_easy_perform(handle)
        var uploaded: curl_off_t = 0, downloaded: curl_off_t = 0
        sr_getinfo_off(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        sr_getinfo_off(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
        bytesSent += Int64(uploaded)
        bytesReceived += Int64(downloaded)
        if rc == CURLE_ABORTED_BY_CALLBACK { throw ToolError.interrupted(Interrupt.requested) }
        guard rc == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(rc))
            let notSent = [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY].contains(rc)
            throw TransportError(code: Int(rc.rawValue), message: "\(request.host): \(message)", notSent: notSent)
        }
        var status = 0
        sr_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body, bodyFile: responseFile)
    }

    private func setLong(_ option: CURLoption, _ value: Int) { sr_setopt_long(handle, option, value) }
    private func setString(_ option: CURLoption, _ value: String) {
        // curl copies string options (since 7.17), so a temporary C string is enough.
        _ = value.withCString { sr_setopt_ptr(handle, option, $0) }
    }
}

private func fileSize(_ f: UnsafeMutablePointer<FILE>) -> Int {
    fseeko(f, 0, SEEK_END)
    let size = ftello(f)
    fseeko(f, 0, SEEK_SET)
    return Int(size)
}

private final class ResponseSink {
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    var file: UnsafeMutablePointer<FILE>?
}

private final class RequestSource {
    let bytes: [UInt8]
    let file: UnsafeMutablePointer<FILE>?
    let size: Int
    var offset = 0
    init(bytes: [UInt8]) { self.bytes = bytes; file = nil; size = bytes.count }
    init(file: UnsafeMutablePointer<FILE>, size: Int) { bytes = []; self.file = file; self.size = size }
}

private final class AbortCheck {
    let check: () -> Bool
    init(_ check: @escaping () -> Bool) { self.check = check }
}

private let writeCallback: curl_write_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let n = size * count
    guard let data else { return n }
    if let f = sink.file { return fwrite(data, 1, n, f) }
    data.withMemoryRebound(to: UInt8.self, capacity: n) {
        sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
    }
    return n
}

private let headerCallback: curl_write_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let n = size * count
    guard let data else { return n }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        sink.headers = HTTPHeaders()  // a new response (after a redirect or 100 Continue) starts over
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        sink.headers.add(name, value)
    }
    return n
}

private let readCallback: curl_read_callback = { buffer, size, count, context in
    let source = Unmanaged<RequestSource>.fromOpaque(context!).takeUnretainedValue()
    let capacity = size * count
    guard let buffer else { return 0 }
    if let f = source.file { return fread(buffer, 1, capacity, f) }
    let n = min(capacity, source.bytes.count - source.offset)
    source.bytes.withUnsafeBytes { raw in
        _ = memcpy(buffer, raw.baseAddress! + source.offset, n)
    }
    source.offset += n
    return n
}

private let progressCallback:
    @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
        context, _, _, _, _ in
        let abort = Unmanaged<AbortCheck>.fromOpaque(context!).takeUnretainedValue()
        return abort.check() ? 1 : 0
    }
