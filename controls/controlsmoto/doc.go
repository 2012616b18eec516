// Package controlsmoto holds the test that runs every control's passing and failing example
// on moto through awsapi's readers and the real SDK (a package of its own so that package
// controls' tests need no AWS emulator). It has no code.
package controlsmoto
