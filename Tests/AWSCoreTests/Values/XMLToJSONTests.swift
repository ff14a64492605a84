import Testing
@testable import AWSCore

struct XMLToJSONTests {
    func convert(_ xml: String, service: String? = nil, operation: String? = nil) throws -> JSON {
        try XMLToJSON.convert(Array(xml.utf8), service: service, operation: operation)
    }

    @Test func ec2SetsAndItemsBecomeArraysEvenWithOneOrNone() throws {
        let j = try convert(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>r-1</requestId>
              <imagesSet>
                <item><imageId>ami-1</imageId><name>a &amp; b</name><tagSet/></item>
              </imagesSet>
              <emptySet/>
            </DescribeImagesResponse>
            """)
        #expect(j["requestId"] == "r-1")
        #expect(j["imagesSet"]?.array?.count == 1)
        #expect(j["imagesSet"]?.array?[0]["name"] == "a & b")
        #expect(j["imagesSet"]?.array?[0]["tagSet"] == .array([]))
        #expect(j["emptySet"] == .array([]))
    }

    @Test func queryMembersBecomeArraysAndEmptyElementsEmptyStrings() throws {
        let j = try convert(
            """
            <DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName>
            <Outputs><member><OutputKey>K</OutputKey><OutputValue>V</OutputValue></member></Outputs>
            <Description/></member></Stacks><NextToken>t</NextToken></DescribeStacksResult></DescribeStacksResponse>
            """)
        let stack = j["DescribeStacksResult"]?["Stacks"]?.array?[0]
        #expect(stack?["StackName"] == "s")
        #expect(stack?["Outputs"]?.array?[0]["OutputValue"] == "V")
        #expect(stack?["Description"] == "")
        let repeats = try convert("<R><X>1</X><X>2</X><Y><![CDATA[<raw>]]></Y><!-- c --><Z>&#x41;&#66;</Z></R>")
        #expect(repeats["X"] == ["1", "2"])
        #expect(repeats["Y"] == "<raw>")
        #expect(repeats["Z"] == "AB")
    }

    /// The issue's examples: numbers, booleans and timestamps by the member's shape; lists
    /// arrays even when S3 leaves the element out.
    @Test func numbersBooleansAndTimestampsByTheModel() throws {
        let snapshots = try convert(
            """
            <DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-1</snapshotId><volumeSize>15</volumeSize>
            <encrypted>false</encrypted><startTime>2024-05-01T10:20:30.000Z</startTime><progress>100%</progress>
            </item></snapshotSet></DescribeSnapshotsResponse>
            """, service: "ec2")
        let snapshot = snapshots["snapshotSet"]?.array?.first
        #expect(snapshot?["volumeSize"] == 15)
        #expect(snapshot?["encrypted"] == false)
        #expect(snapshot?["startTime"] == "2024-05-01T10:20:30+00:00")
        #expect(snapshot?["progress"] == "100%")  // a string in the model
        #expect(snapshot?["tagSet"] == .array([]))  // absent: a list all the same
        let empty = try convert(
            "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>",
            service: "s3", operation: "ListObjectsV2")
        #expect(empty["KeyCount"] == 0 && empty["MaxKeys"] == 1000 && empty["IsTruncated"] == false)
        #expect(empty["Contents"] == .array([]) && empty["CommonPrefixes"] == .array([]))
        let one = try convert(
            "<ListBucketResult><Contents><Key>k</Key><Size>3</Size></Contents></ListBucketResult>",
            service: "s3", operation: "ListObjectsV2")
        #expect(one["Contents"] == [["Key": "k", "Size": 3, "ChecksumAlgorithm": []]])
    }

    /// One element name, two types: the member's shape decides, not the name.
    @Test func theSameNameIsTypedByItsShape() throws {
        let boolean = try convert(
            "<DescribeVolumeAttributeResponse><autoEnableIO><value>true</value></autoEnableIO></DescribeVolumeAttributeResponse>",
            service: "ec2")
        let string = try convert(
            "<DescribeImageAttributeResponse><description><value>true</value></description></DescribeImageAttributeResponse>",
            service: "ec2")
        #expect(boolean["autoEnableIO"]?["value"] == true)
        #expect(string["description"]?["value"] == "true")
    }

    @Test func listsOfTheModelsAreArraysEvenWhenEmpty() throws {
        let stacks = try convert(
            "<ListStacksResponse><ListStacksResult><StackSummaries/></ListStacksResult></ListStacksResponse>",
            service: "cloudformation")
        #expect(stacks["ListStacksResult"]?["StackSummaries"] == .array([]))
        let roles = try convert(
            "<ListRolesResponse><ListRolesResult><Roles>\n  </Roles><IsTruncated>false</IsTruncated></ListRolesResult></ListRolesResponse>",
            service: "iam")
        #expect(roles["ListRolesResult"]?["Roles"] == .array([]))
        #expect(roles["ListRolesResult"]?["IsTruncated"] == false)
        let buckets = try convert(
            "<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets><Owner/></ListAllMyBucketsResult>",
            service: "s3", operation: "ListBuckets")
        #expect(buckets["Buckets"] == .array([["Name": "b"]]))
        #expect(buckets["Owner"] == [:])  // an empty structure
        let none = try convert(
            "<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>", service: "s3",
            operation: "ListBuckets")
        #expect(none["Buckets"] == .array([]))
    }

    /// What the model does not know keeps the generic rule: elements of a newer API, services
    /// without a table, an S3 answer whose operation is not named.
    @Test func whatNoModelKnowsKeepsTheGenericRule() throws {
        let newer = try convert(
            "<DescribeImagesResponse><imagesSet><item><newThing>7</newThing><newListSet/></item></imagesSet></DescribeImagesResponse>",
            service: "ec2")
        #expect(newer["imagesSet"]?.array?.first?["newThing"] == "7")
        #expect(newer["imagesSet"]?.array?.first?["newListSet"] == .array([]))
        let sns = try convert(
            "<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>a</TopicArn></member></Topics></ListTopicsResult></ListTopicsResponse>",
            service: "sns")
        #expect(sns["ListTopicsResult"]?["Topics"] == [["TopicArn": "a"]])
        #expect(
            try convert("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>", service: "s3")["KeyCount"] == "0"
        )
        #expect(try convert("<LocationConstraint>eu-west-1</LocationConstraint>", service: "s3") == "eu-west-1")
    }

    @Test func timestampsAreISO8601AsTheCLIPrintsThem() {
        for (wire, printed) in [
            ("2024-05-01T10:20:30Z", "2024-05-01T10:20:30+00:00"),
            ("2024-05-01T10:20:30.000Z", "2024-05-01T10:20:30+00:00"),
            ("2024-05-01T10:20:30.5Z", "2024-05-01T10:20:30.500000+00:00"),
            ("2024-05-01T10:20:30.1234567Z", "2024-05-01T10:20:30.123456+00:00"),
            ("2024-05-01T10:20:30+02:00", "2024-05-01T10:20:30+02:00"),
            ("2024-05-01 10:20:30-0530", "2024-05-01T10:20:30-05:30"),
            ("2024-05-01T10:20:30-00:00", "2024-05-01T10:20:30+00:00"),
            ("2024-02-29T00:00:00", "2024-02-29T00:00:00"),
        ] {
            #expect(Timestamp.isoFormat(wire) == printed, "\(wire)")
        }
        for text in ["2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01", "2024-05-01T10:20:30.Z", "soon"] {
            #expect(Timestamp.isoFormat(text) == nil, "\(text)")
        }
    }

    /// S3's answers do not name their operation: the request does, path-style or virtual-hosted.
    @Test func s3OperationsAreKnownByTheirRequests() throws {
        for (method, url, operation) in [
            ("GET", "http://127.0.0.1:5000/", "ListBuckets"),
            ("GET", "http://127.0.0.1:5000/b?list-type=2&prefix=images%2F", "ListObjectsV2"),
            ("GET", "https://b.s3.eu-west-1.amazonaws.com/?list-type=2", "ListObjectsV2"),
            ("GET", "https://s3.eu-west-1.amazonaws.com/b/", "ListObjects"),
            ("POST", "http://127.0.0.1:5000/b?delete", "DeleteObjects"),
            ("PUT", "https://b.s3.amazonaws.com/images/x.vmdk", "CopyObject"),
            ("PUT", "http://127.0.0.1:5000/b/images/x.vmdk?partNumber=1&uploadId=u", "UploadPartCopy"),
            ("GET", "http://127.0.0.1:5000/b/k?uploadId=u", "ListParts"),
            ("GET", "http://127.0.0.1:5000/b/k?tagging", "GetObjectTagging"),
            ("GET", "https://b.s3-eu-west-1.amazonaws.com/?tagging", "GetBucketTagging"),
        ] {
            #expect(AWSClient.s3Operation(try HTTPRequest(method: method, url: url)) == operation, "\(method) \(url)")
        }
        #expect(AWSClient.s3Operation(try HTTPRequest(method: "GET", url: "http://127.0.0.1:5000/b/k")) == nil)
    }

    @Test func malformedXMLIsAnError() {
        #expect(throws: (any Error).self) { try convert("<a><b></a>") }
        #expect(throws: (any Error).self) { try convert("<a>") }
    }

    @Test func errorsOfEveryProtocolDecodeAlike() {
        func response(_ status: Int, _ body: String, _ headers: [(String, String)] = []) -> HTTPResponse {
            HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8), bodyFile: nil)
        }
        let ec2 = ErrorDecoding.decode(
            response(
                400,
                "<Response><Errors><Error><Code>InvalidAMIID.NotFound</Code><Message>no ami</Message></Error></Errors><RequestID>rq</RequestID></Response>"
            ))
        #expect(ec2.code == "InvalidAMIID.NotFound" && ec2.message == "no ami" && ec2.requestId == "rq")
        let query = ErrorDecoding.decode(
            response(
                400,
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack x does not exist</Message></Error><RequestId>q1</RequestId></ErrorResponse>"
            ))
        #expect(query.code == "ValidationError" && query.requestId == "q1")
        let s3 = ErrorDecoding.decode(
            response(
                503,
                "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message><RequestId>s1</RequestId></Error>"
            ))
        #expect(s3.code == "SlowDown" && s3.requestId == "s1")
        let json = ErrorDecoding.decode(
            response(
                400, #"{"__type":"com.amazonaws.codebuild#ResourceNotFoundException","message":"gone"}"#,
                [("x-amzn-requestid", "j1")]))
        #expect(json.code == "ResourceNotFoundException" && json.message == "gone" && json.requestId == "j1")
        let bare = ErrorDecoding.decode(response(502, ""))
        #expect(bare.code == "HTTP502")
    }
}
