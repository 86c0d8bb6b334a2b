/**
 * A throwaway self-signed certificate for api.example.test, generated for the sandbox only. Its key
 * protects nothing; it exists so the seeded certificates/snis tables hold realistic PEM rows.
 */
export const SANDBOX_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBqTCCAU6gAwIBAgIUCQrPoaJQcmNlif7yKlUX95intlowCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQYXBpLmV4YW1wbGUudGVzdDAeFw0yNjExMjYwNjQxMThaFw0z
NjExMjMwNjQxMThaMBsxGTAXBgNVBAMMEGFwaS5leGFtcGxlLnRlc3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQwfwqhJoFX6Jq4OEbqBRo+G4dMTtc1wdCOqUOl
wk4m7G5FF1xdt9yOli76eDa9cv9l5g+dZCgB+lQ3I942mM1No3AwbjAdBgNVHQ4E
FgQUT7X1bXrxvEZGqkRJnGeZqLqf4AowHwYDVR0jBBgwFoAUT7X1bXrxvEZGqkRJ
nGeZqLqf4AowDwYDVR0TAQH/BAUwAwEB/zAbBgNVHREEFDASghBhcGkuZXhhbXBs
ZS50ZXN0MAoGCCqGSM49BAMCA0kAMEYCIQDuIoZauv9EucdZ4bGa7vMV097t5qJW
PdCM5guocFZkCgIhAOOmixKIMsTQ5p9xYqNkApXV5ApSbDo4D99014SE1hAn
-----END CERTIFICATE-----
`;

export const SANDBOX_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+dI1euVYneL+/Uou
VBO8OK3itydqEe0lZz1cOgVj9puhRANCAAQwfwqhJoFX6Jq4OEbqBRo+G4dMTtc1
wdCOqUOlwk4m7G5FF1xdt9yOli76eDa9cv9l5g+dZCgB+lQ3I942mM1N
-----END PRIVATE KEY-----
`;
