import Testing
@testable import AWSCore

struct RawRequestTests {
    let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5055"]
    func parse(_ text: String, service: String? = nil) throws -> RawRequest {
        try RawRequest.parse(try JSON.parse(text), serviceFlag: service, regionFlag: nil, environment: env) { s, r in
            Endpoint.resolve(service: s, region: r ?? "eu-west-1", environment: env)
        }
    }

    @Test func pathAndQueryAreEncodedOnTheEndpoint() throws {
        let r = try parse(
            #"{"service":"s3","path":"/bucket/a key/ü","query":{"prefix":"images/1.2 x","list-type":2,"k":["a","b"]}}"#)
        #expect(
            r.request.url == "http://127.0.0.1:5055/bucket/a%20key/%C3%BC?prefix=images%2F1.2%20x&list-type=2&k=a&k=b")
        #expect(r.request.method == "GET")
    }

    @Test func methodDefaultsAndServiceFromHost() throws {
        let r = try parse(#"{"url":"https://ec2.eu-west-1.amazonaws.com/","body":"Action=DescribeImages"}"#)
        #expect(r.service == "ec2" && r.request.method == "POST" && r.isIdempotent)
        let create = try parse(
            #"{"url":"https://ec2.eu-west-1.amazonaws.com/","body":"Action=CreateImage&InstanceId=i-1"}"#)
        #expect(!create.isIdempotent)
        let withToken = try parse(
            #"{"url":"https://ec2.eu-west-1.amazonaws.com/","body":"Action=ExportImage&ClientToken=t"}"#)
        #expect(withToken.isIdempotent)
    }

    @Test func badInputIsRejectedWithTheFieldNamed() {
        for (text, fragment) in [
            (#"[]"#, "must be a JSON object"),
            (#"{"service":"ec2","headers":{"a":1}}"#, "header 'a'"),
            (#"{"service":"ec2","body":3}"#, "'body' must be a string"),
            (#"{"path":"/"}"#, "missing 'service'"),
            (#"{"service":"ec2","bodyy":""}"#, "unknown field 'bodyy'"),
            (#"{"service":"ec2","url":"ftp://x/"}"#, "http"),
            (#"{"service":"ec2","body":"a","bodyFile":"/etc/hostname"}"#, "not both"),
        ] {
            do { _ = try parse(text); Issue.record("accepted \(text)") } catch let e as ToolError {
                #expect(e.exitCode == 2)
                #expect(e.description.contains(fragment), "\(e.description)")
            } catch { Issue.record("\(error)") }
        }
    }
}
