/// Decodes an error response of any protocol to `{code, message, requestId}`:
/// EC2 (`<Response><Errors><Error>`), AWS query (`<ErrorResponse><Error>`), S3 (`<Error>`),
/// and JSON 1.1 (`__type` / `x-amzn-ErrorType`, `message` / `Message`).
public enum ErrorDecoding {
    public static func decode(_ response: HTTPResponse) -> AWSError {
        let requestId = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"]
        let body = response.body
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "<"), let json = try? XMLToJSON.convert(body) {
            // Each XML protocol nests its error at a different depth; take the first that exists.
            let error = json["Errors"]?["Error"]?.list.first ?? json["Error"] ?? json
            return AWSError(
                code: error["Code"]?.string ?? fallbackCode(response.status),
                message: error["Message"]?.string ?? "",
                requestId: json["RequestID"]?.string ?? json["RequestId"]?.string ?? error["RequestId"]?.string
                    ?? requestId,
                status: response.status)
        }
        if first == UInt8(ascii: "{"), let json = try? JSON.parse(body) {
            var code =
                response.headers["x-amzn-errortype"] ?? json["__type"]?.string ?? json["code"]?.string
                ?? fallbackCode(response.status)
            // `aws.protocoltests#Code:http://...` → `Code`
            if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
            if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
            return AWSError(
                code: code, message: json["message"]?.string ?? json["Message"]?.string ?? "",
                requestId: requestId, status: response.status)
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: " \n\r\t")
        return AWSError(
            code: fallbackCode(response.status), message: text.isEmpty ? "HTTP \(response.status)" : text,
            requestId: requestId, status: response.status)
    }

    static func fallbackCode(_ status: Int) -> String {
        switch status {
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }

    /// The decoded body of a successful response: XML typed by the service's model (see
    /// `XMLToJSON`; S3 names no operation in its answers: `AWSClient.s3Operation`), JSON as it is.
    public static func body(_ response: HTTPResponse, service: String? = nil, operation: String? = nil) throws
        -> JSON
    {
        let first = response.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch first {
        case nil: return .null
        case UInt8(ascii: "<"):
            do { return try XMLToJSON.convert(response.body, service: service, operation: operation) } catch {
                throw ToolError.remote("cannot decode the XML response: \(error)")
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            do { return try JSON.parse(response.body) } catch {
                throw ToolError.remote("cannot decode the JSON response: \(error)")
            }
        default: return .null
        }
    }
}
