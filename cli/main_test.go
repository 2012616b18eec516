package cli

import (
	"os"
	"testing"

	"github.com/ec2guard/ec2guard/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }
