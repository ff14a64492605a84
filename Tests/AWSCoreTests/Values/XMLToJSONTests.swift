import Testing
@testable import AWSCore

struct XMLToJSONTests {
    func convert(_ xml: String) throws -> JSON { try XMLToJSON.convert(Array(xml.utf8)) }

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

    @Test func queryMembersBecomeArraysAndEmptyElementsNull() throws {
        let j = try convert(
            """
            <DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName>
            <Outputs><member><OutputKey>K</OutputKey><OutputValue>V</OutputValue></member></Outputs>
            <Description/></member></Stacks><NextToken>t</NextToken></DescribeStacksResult></DescribeStacksResponse>
            """)
        let stack = j["DescribeStacksResult"]?["Stacks"]?.array?[0]
        #expect(stack?["StackName"] == "s")
        #expect(stack?["Outputs"]?.array?[0]["OutputValue"] == "V")
        #expect(stack?["Description"] == .null)
    }

    @Test func s3FlattenedListsAreArraysAndRepeatsGroup() throws {
        let one = try convert(
            "<ListBucketResult><Name>b</Name><Contents><Key>k</Key><Size>3</Size></Contents></ListBucketResult>")
        #expect(one["Contents"]?.array?.count == 1)
        let two = try convert("<R><X>1</X><X>2</X><Y><![CDATA[<raw>]]></Y><!-- c --><Z>&#x41;&#66;</Z></R>")
        #expect(two["X"] == ["1", "2"])
        #expect(two["Y"] == "<raw>")
        #expect(two["Z"] == "AB")
    }

    @Test func listsOfTheModelsAreArraysEvenWhenEmpty() throws {
        let stacks = try convert(
            "<ListStacksResponse><ListStacksResult><StackSummaries/></ListStacksResult></ListStacksResponse>")
        #expect(stacks["ListStacksResult"]?["StackSummaries"] == .array([]))
        let roles = try convert(
            "<ListRolesResponse><ListRolesResult><Roles>\n  </Roles><IsTruncated>false</IsTruncated></ListRolesResult></ListRolesResponse>"
        )
        #expect(roles["ListRolesResult"]?["Roles"] == .array([]))
        let buckets = try convert(
            "<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets><Owner/></ListAllMyBucketsResult>"
        )
        #expect(buckets["Buckets"] == .array([["Name": "b"]]))
        #expect(
            try convert("<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>")["Buckets"] == .array([])
        )
        // A name that is not a list stays null when empty; so does one the models use both ways.
        #expect(buckets["Owner"] == .null)
        #expect(try convert("<R><Description/><Details/></R>")["Details"] == .null)
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
