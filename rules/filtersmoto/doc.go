// Package filtersmoto holds the tests of the rule filters on resources read from moto
// through awsapi and the real SDK (a package of its own so that package rules' tests need no
// AWS emulator). It has no code.
package filtersmoto
