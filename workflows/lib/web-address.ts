/**
 * A web address people follow (an avatar, an offer's media, a delivery's links): `http://` or
 * `https://` in lower case, a host that is not empty (after any `user@`), no whitespace and no
 * control character (which the door refuses in any text: the pattern says so too). A
 * browser reads `http:example.com` as `http://example.com/`, `http:///a` as `http://a/` and
 * `HTTP://A` as `http://a/`; the OpenAPI document's readers (`format: uri` with this pattern) do
 * not, so neither does gigflow: the API's schemas (`httpUrl` in api/schemas.ts, which also asks
 * a browser's parse of it), the web client's forms (`webAddress` in web/forms.ts) and the order
 * workflow's validator of a delivery's links (order/machine.ts) refuse them alike.
 */
export const HTTP_URL_PATTERN = '^https?://([^/?#@\\s\\u0000-\\u001F\\u007F]*@)?[^/?#@:\\s\\u0000-\\u001F\\u007F][^/?#@\\s\\u0000-\\u001F\\u007F]*([/?#][^\\s\\u0000-\\u001F\\u007F]*)?$';
export const HTTP_URL = new RegExp(HTTP_URL_PATTERN);
