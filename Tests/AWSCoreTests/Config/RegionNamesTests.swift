import Testing
@testable import AWSCore

/// Issue 22, point 9: a region is one of the names botocore's partitions list, and its endpoint
/// ends in its partition's DNS suffix.
struct RegionNamesTests {
    @Test(arguments: ["eu-west-1", "us-gov-west-1", "ap-southeast-5", "cn-north-1", "eusc-de-east-1", "us-isob-east-1"])
    func realNamesAreAccepted(_ region: String) throws {
        #expect(try Region.validate(region) == region)
    }

    @Test(arguments: ["eu-west-99", "us-east-7", "eu-wset-1", "aws-global", "eu-west", "EU-WEST-1", "us-gov-east-9"])
    func namesNoPartitionListsAreRefusedWithTheNearest(_ region: String) throws {
        #expect {
            try Region.validate(region)
        } throws: { error in
            let text = "\(error)"
            return text.contains("unknown region '\(region)'") && text.contains("e.g.")
        }
    }

    @Test func theRefusalNamesTheRegionsOfThatArea() throws {
        #expect {
            try Region.validate("eu-west-99")
        } throws: { error in
            "\(error)".contains("eu-west-1, eu-west-2, eu-west-3")
        }
    }

    @Test func endpointsEndInThePartitionsSuffix() {
        for (region, host) in [
            ("eusc-de-east-1", "https://ec2.eusc-de-east-1.amazonaws.eu"),
            ("cn-northwest-1", "https://ec2.cn-northwest-1.amazonaws.com.cn"),
            ("us-iso-east-1", "https://ec2.us-iso-east-1.c2s.ic.gov"),
            ("eu-west-1", "https://ec2.eu-west-1.amazonaws.com"),
        ] {
            #expect(Endpoint.resolve(service: "ec2", region: region, environment: [:]).url == host)
        }
    }
}
