"""Every SIP2 message class by name: ``Login``, ``Checkout``, ``CheckoutResponse``...

The classes are built from the layout table at import (:mod:`kiosk.sip2.messages`), so that the
table stays the one place that knows a layout. What they look like to a type checker (fixed
fields and tags as typed, read-only attributes; which response answers which request) is the
checked-in ``catalog.pyi`` beside this file, generated from the same table by
``python -m kiosk.sip2.stubgen``; a test keeps the two in step.
"""

from __future__ import annotations

from kiosk.sip2.messages import MESSAGE_CLASSES

Login = MESSAGE_CLASSES["93"]
LoginResponse = MESSAGE_CLASSES["94"]
SCStatus = MESSAGE_CLASSES["99"]
ACSStatus = MESSAGE_CLASSES["98"]
RequestACSResend = MESSAGE_CLASSES["97"]
RequestSCResend = MESSAGE_CLASSES["96"]
PatronInformation = MESSAGE_CLASSES["63"]
PatronInformationResponse = MESSAGE_CLASSES["64"]
PatronStatusRequest = MESSAGE_CLASSES["23"]
PatronStatusResponse = MESSAGE_CLASSES["24"]
PatronEnable = MESSAGE_CLASSES["25"]
PatronEnableResponse = MESSAGE_CLASSES["26"]
BlockPatron = MESSAGE_CLASSES["01"]
EndPatronSession = MESSAGE_CLASSES["35"]
EndSessionResponse = MESSAGE_CLASSES["36"]
Checkout = MESSAGE_CLASSES["11"]
CheckoutResponse = MESSAGE_CLASSES["12"]
Checkin = MESSAGE_CLASSES["09"]
CheckinResponse = MESSAGE_CLASSES["10"]
Renew = MESSAGE_CLASSES["29"]
RenewResponse = MESSAGE_CLASSES["30"]
RenewAll = MESSAGE_CLASSES["65"]
RenewAllResponse = MESSAGE_CLASSES["66"]
ItemInformation = MESSAGE_CLASSES["17"]
ItemInformationResponse = MESSAGE_CLASSES["18"]
ItemStatusUpdate = MESSAGE_CLASSES["19"]
ItemStatusUpdateResponse = MESSAGE_CLASSES["20"]
FeePaid = MESSAGE_CLASSES["37"]
FeePaidResponse = MESSAGE_CLASSES["38"]
Hold = MESSAGE_CLASSES["15"]
HoldResponse = MESSAGE_CLASSES["16"]
