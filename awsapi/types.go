package awsapi

import snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

type snsAttr = snstypes.MessageAttributeValue
