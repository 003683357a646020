"""What every API dialect needs, written once: the base view (body limit, credential, rate limit and its headers, one
exception handler through the dialect's error table), the argument reader for form-style APIs, image inputs, signed
tokens bound to a credential. A dialect package (facesets/api/<vendor>/) only translates names, scales, ids and
error envelopes."""
