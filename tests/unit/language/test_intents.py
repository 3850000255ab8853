"""analyze_text: intents, negation and near misses, direction, attachments, user patterns.

The messages below are hand-written for these tests (not taken from the evaluation set in
tests/data/intents.tsv): offers, orders, nudges, noes, yeses, questions, call requests
and absence notices in German and English, and the near misses around them ("kein
Problem", "no decision yet", a conditional yes, a promised offer, an invoice, a
rescheduled call, a colleague's holiday).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timezone

import pytest

from ghostscan.classify.language import Intent, IntentHit, TextAnalysis, analyze_text, detect_language
from ghostscan.classify.language.intents import is_valid_label
from ghostscan.errors import ConfigError

SENT = datetime(2026, 7, 28, 10, 0, tzinfo=timezone.utc)  # a Tuesday


def labels(text: str, direction: str = "inbound", **kwargs) -> set[str]:
    return {intent.value for intent in analyze_text(text, direction=direction, sent=SENT, **kwargs).intents}


MESSAGES = [
    pytest.param('outbound', 'Guten Tag Frau Hofmann,\n\nim Anhang erhalten Sie wie vereinbart unseren Kostenvoranschlag für die Badsanierung.\n\nMit freundlichen Grüßen\nPeter Lang', {'offer'}, id='de-offer-1'),
    pytest.param('outbound', 'Hallo Jens,\n\nanbei mein Angebot für die Übersetzung der Bedienungsanleitung (ca. 40 Seiten).\n\nGruß\nSara', {'offer'}, id='de-offer-2'),
    pytest.param('outbound', 'Sehr geehrter Herr Kaya,\n\nfür die Wartung Ihrer Anlage berechnen wir pauschal 690 € netto pro Jahr.\n\nFreundliche Grüße', {'offer'}, id='de-offer-3'),
    pytest.param('outbound', "Hi Mark,\n\nas discussed, here's our proposal for the rebrand. Let me know what you think.\n\nBest,\nJulia", {'offer'}, id='en-offer-1'),
    pytest.param('outbound', 'Dear Ms Patel,\n\nThe total for the three-day training would be GBP 5,400 excluding VAT.\n\nKind regards,\nTom', {'offer'}, id='en-offer-2'),
    pytest.param('outbound', "Hello Rob,\n\nI'll put a quote together and send it over by Friday.\n\nCheers,\nAmy", set(), id='en-none-1'),
    pytest.param('outbound', 'Hallo Frau Roth,\n\ndas Angebot erstelle ich Ihnen gern bis Ende nächster Woche.\n\nViele Grüße', set(), id='de-none-1'),
    pytest.param('outbound', 'Dear Mr Chen,\n\nplease find enclosed invoice no. 2026-118 for the completed work. Payment is due within 14 days.\n\nRegards', set(), id='en-none-2'),
    pytest.param('outbound', 'Sehr geehrte Frau Weiß,\n\nanbei erhalten Sie unsere Rechnung Nr. 4711 über 2.380 €. Bitte überweisen Sie den Betrag bis zum 30.11.\n\nMfG', set(), id='de-none-2'),
    pytest.param('inbound', 'Hallo Herr Lang,\n\nwir möchten Sie hiermit mit der Badsanierung beauftragen. Wann könnten Sie beginnen?\n\nGrüße\nHofmann', {'accept', 'order_confirmed', 'question'}, id='de-accept+order-confirmed+question-1'),
    pytest.param('inbound', "Hi Julia,\n\nWe're going ahead with your proposal – signed contract attached.\n\nMark", {'accept', 'order_confirmed'}, id='en-accept+order-confirmed-1'),
    pytest.param('inbound', 'Dear Tom,\n\nWe would like to book the three-day training for March. Please send the booking confirmation.\n\nPriya', {'accept', 'order_confirmed'}, id='en-accept+order-confirmed-2'),
    pytest.param('inbound', 'Hallo Sara,\n\ndu hast den Auftrag! Die Datei schicke ich dir morgen.\n\nLG Jens', {'accept', 'order_confirmed'}, id='de-accept+order-confirmed-1'),
    pytest.param('inbound', "Hello Amy,\n\nWe'd probably order 20 units if the price drops below $40.\n\nRob", set(), id='en-none-3'),
    pytest.param('inbound', 'Guten Tag,\n\nfalls das Budget freigegeben wird, würden wir Sie gerne beauftragen.\n\nMfG Kaya', set(), id='de-none-3'),
    pytest.param('outbound', 'Sehr geehrter Herr Kaya,\n\nvielen Dank für Ihre Beauftragung. Wir melden uns nächste Woche zur Terminabstimmung.\n\nFreundliche Grüße', {'order_confirmed'}, id='de-order-confirmed-1'),
    pytest.param('outbound', 'Dear Priya,\n\nThanks for your order – we have reserved 12–14 March for your team.\n\nBest wishes,\nTom', {'order_confirmed'}, id='en-order-confirmed-1'),
    pytest.param('outbound', 'Hallo Jens,\n\nich wollte mich kurz erkundigen, ob du mein Angebot erhalten hast.\n\nGruß Sara', {'follow_up'}, id='de-follow-up-1'),
    pytest.param('outbound', 'Hi Mark,\n\nJust wanted to follow up on the rebrand proposal – any thoughts so far?\n\nJulia', {'follow_up'}, id='en-follow-up-1'),
    pytest.param('outbound', "Dear Mr Chen,\n\nI haven't heard back regarding my quote from last month. Is the project still going ahead?\n\nRegards", {'follow_up'}, id='en-follow-up-2'),
    pytest.param('outbound', 'Guten Tag Frau Hofmann,\n\nhatten Sie bereits die Möglichkeit, sich unseren Kostenvoranschlag anzusehen?\n\nMfG Peter Lang', {'follow_up'}, id='de-follow-up-2'),
    pytest.param('outbound', 'Hallo Frau Roth,\n\ngerne beantworte ich Ihre Frage: Die Lieferung dauert etwa zwei Wochen.\n\nViele Grüße', set(), id='de-none-4'),
    pytest.param('outbound', 'Hello Rob,\n\nThanks for asking! Yes, the price includes shipping.\n\nAmy', set(), id='en-none-4'),
    pytest.param('inbound', 'Hallo Herr Lang,\n\ndanke für den Kostenvoranschlag. Wir haben den Auftrag inzwischen an eine andere Firma vergeben.\n\nGruß Hofmann', {'decline'}, id='de-decline-1'),
    pytest.param('inbound', "Hi Julia,\n\nUnfortunately the budget got cut and we won't be moving ahead with the rebrand.\n\nMark", {'decline'}, id='en-decline-1'),
    pytest.param('inbound', "Dear Tom,\n\nWe have decided to postpone the training indefinitely. Please don't hold the dates.\n\nPriya", {'decline'}, id='en-decline-2'),
    pytest.param('inbound', 'Hallo Sara,\n\nwir brauchen die Übersetzung leider doch nicht mehr, das Produkt wurde eingestellt.\n\nJens', {'decline'}, id='de-decline-2'),
    pytest.param('inbound', "Hello Amy,\n\nThanks, but we're not interested at this time.\n\nRob", {'decline'}, id='en-decline-3'),
    pytest.param('inbound', 'Sehr geehrter Herr Lang,\n\nwir haben uns entschieden, das Bad doch selbst zu renovieren.\n\nMfG', {'decline'}, id='de-decline-3'),
    pytest.param('inbound', "Hi Julia,\n\nNo rush on our side – we're still comparing a couple of options.\n\nMark", set(), id='en-none-5'),
    pytest.param('inbound', 'Hallo Sara,\n\nkein Stress, ich schau mir das am Wochenende in Ruhe an.\n\nJens', set(), id='de-none-5'),
    pytest.param('inbound', 'Dear Tom,\n\nThe price is a bit higher than expected. Could you send a revised quote without the catering?\n\nPriya', {'question'}, id='en-question-1'),
    pytest.param('inbound', 'Hallo Herr Kaya,\n\nden Termin am Dienstag muss ich leider absagen, ich bin krank. Können wir nächste Woche nachholen?\n\nGrüße', {'call_me'}, id='de-call-me-1'),
    pytest.param('inbound', 'Hallo Herr Lang,\n\ndas klingt vernünftig, so machen wir das.\n\nGrüße Hofmann', {'accept'}, id='de-accept-1'),
    pytest.param('inbound', "Hi Julia,\n\nLooks great – let's proceed with option A.\n\nMark", {'accept'}, id='en-accept-1'),
    pytest.param('inbound', 'Hallo Sara,\n\nPreis passt, leg los!\n\nJens', {'accept'}, id='de-accept-2'),
    pytest.param('inbound', "Dear Tom,\n\nThat sounds fine to us. We'll confirm the exact dates next week.\n\nPriya", {'accept'}, id='en-accept-2'),
    pytest.param('inbound', 'Hello Amy,\n\nSounds interesting, but I need to talk to my partner first.\n\nRob', set(), id='en-none-6'),
    pytest.param('inbound', "Hi Julia,\n\nGood question! I'll check with the team and get back to you.\n\nMark", set(), id='en-none-7'),
    pytest.param('inbound', 'Hallo Herr Lang,\n\nist im Preis auch die Entsorgung der alten Fliesen enthalten?\n\nGruß Hofmann', {'question'}, id='de-question-1'),
    pytest.param('inbound', 'Hi Amy,\n\nWhat payment terms do you offer for larger orders?\n\nRob', {'question'}, id='en-question-2'),
    pytest.param('inbound', 'Dear Tom,\n\nCould you tell me whether the trainer speaks German as well?\n\nPriya', {'question'}, id='en-question-3'),
    pytest.param('inbound', 'Hallo Sara,\n\nich würde gern wissen, ob du auch Französisch übersetzt.\n\nJens', {'question'}, id='de-question-2'),
    pytest.param('inbound', 'Hallo Herr Kaya,\n\nwie geht es Ihnen? Anbei wie besprochen die Fotos der Anlage.\n\nGrüße', set(), id='de-none-6'),
    pytest.param('inbound', 'Hallo Herr Lang,\n\nrufen Sie mich doch bitte morgen Vormittag kurz an.\n\nGruß Hofmann', {'call_me'}, id='de-call-me-2'),
    pytest.param('inbound', 'Hi Julia,\n\nCould we jump on a call tomorrow afternoon to go through the details?\n\nMark', {'call_me'}, id='en-call-me-1'),
    pytest.param('inbound', "Dear Tom,\n\nI'd prefer to discuss this by phone. I'm available on +44 20 7946 0958 after 2pm.\n\nPriya", {'call_me'}, id='en-call-me-2'),
    pytest.param('inbound', 'Hallo Sara,\n\nlass uns am Montag kurz telefonieren, dann klären wir den Rest.\n\nJens', {'call_me'}, id='de-call-me-3'),
    pytest.param('inbound', "Hello Amy,\n\nThanks for the quote, I'll review it this week.\n\nRob\nMobile: +1 415 555 0199", set(), id='en-none-8'),
    pytest.param('inbound', 'Vielen Dank für Ihre E-Mail. Ich befinde mich bis zum 15.08. im Urlaub und habe keinen Zugriff auf meine E-Mails.', {'out_of_office'}, id='de-out-of-office-1'),
    pytest.param('inbound', 'Thank you for your message. I am on annual leave until Monday 24 August and will reply on my return.', {'out_of_office'}, id='en-out-of-office-1'),
    pytest.param('inbound', 'Automatische Antwort: Ich bin derzeit auf Geschäftsreise und ab Donnerstag wieder im Büro.', {'out_of_office'}, id='de-out-of-office-2'),
    pytest.param('inbound', "I'm away from my desk until 3 September with no access to email. For urgent matters please contact office@example.com.", {'out_of_office'}, id='en-out-of-office-2'),
    pytest.param('inbound', 'Hi Amy,\n\nsorry for the late reply, I was travelling last week. The quote looks good to me.\n\nRob', {'accept'}, id='en-accept-3'),
    pytest.param('inbound', 'Hallo Sara,\n\nich war letzte Woche im Urlaub, daher erst jetzt: Passt so, danke!\n\nJens', {'accept'}, id='de-accept-3'),
    pytest.param('outbound', 'Servus Markus,\n\nwie telefonisch besprochen schick ich dir hier das Anbot für die Terrassenüberdachung: 7.450,- inkl. Montage.\n\nLG Andi', {'offer'}, id='de-offer-4'),
    pytest.param('outbound', 'Grüezi Frau Keller\n\nGerne unterbreiten wir Ihnen folgende Offerte: Reinigung der Büroräume, wöchentlich, CHF 980.– pro Monat.\n\nFreundliche Grüsse', {'offer'}, id='de-offer-5'),
    pytest.param('outbound', "Hey Sam,\n\nQuick one – for the 2-day shoot we'd charge $3,200 all in, edits included. Full breakdown in the PDF.\n\nNina", {'offer'}, id='en-offer-3'),
    pytest.param('outbound', 'Dear Dr Evans,\n\nThank you for your enquiry. We will prepare a detailed estimate after the site visit next Tuesday.\n\nYours sincerely', set(), id='en-none-9'),
    pytest.param('outbound', 'Hallo Frau Brandt,\n\nvielen Dank für Ihre Anfrage! Ich melde mich morgen mit einem konkreten Angebot.\n\nBeste Grüße', set(), id='de-none-7'),
    pytest.param('inbound', 'Hallo Andi,\n\npasst, mach ma so. Wann kannst du anfangen?\n\nLG Markus', {'accept', 'question'}, id='de-accept+question-1'),
    pytest.param('inbound', 'Guten Tag\n\nWir erteilen Ihnen hiermit den Auftrag für die Reinigung ab 1. September.\n\nFreundliche Grüsse\nKeller', {'accept', 'order_confirmed'}, id='de-accept+order-confirmed-2'),
    pytest.param('inbound', "Sam here – we're good to go at $3,200. I've attached the PO.\n\nThanks!", {'accept', 'order_confirmed'}, id='en-accept+order-confirmed-3'),
    pytest.param('inbound', 'Dear Nina,\n\nWe might be able to commit once the client signs off, but nothing is confirmed yet.\n\nRegards', set(), id='en-none-10'),
    pytest.param('inbound', 'Hallo Herr Kraus,\n\nsollten wir uns für Sie entscheiden, melde ich mich Anfang nächster Woche.\n\nGruß', set(), id='de-none-8'),
    pytest.param('outbound', 'Hallo Markus,\n\nhast du dir das Anbot schon anschauen können? Die Preise gelten noch bis Monatsende.\n\nLG Andi', {'follow_up'}, id='de-follow-up-3'),
    pytest.param('outbound', "Dear Dr Evans,\n\nI'm just following up to see whether you had any questions about the estimate.\n\nKind regards", {'follow_up'}, id='en-follow-up-3'),
    pytest.param('outbound', 'Hi Sam,\n\nbumping this to the top of your inbox – did the PDF come through OK?\n\nNina', {'follow_up'}, id='en-follow-up-4'),
    pytest.param('outbound', 'Sehr geehrte Frau Keller\n\nIch erlaube mir, mich bezüglich unserer Offerte vom 3. Juni nochmals zu melden.\n\nFreundliche Grüsse', {'follow_up'}, id='de-follow-up-4'),
    pytest.param('inbound', 'Hallo Andi,\n\nsorry, wir machen das jetzt mit einem Bekannten, der ist Zimmerer.\n\nLG Markus', {'decline'}, id='de-decline-4'),
    pytest.param('inbound', 'Guten Tag\n\nNach interner Prüfung müssen wir Ihnen leider eine Absage erteilen.\n\nFreundliche Grüsse\nKeller', {'decline'}, id='de-decline-5'),
    pytest.param('inbound', "Hi Nina,\n\nWe've decided to go in a different direction for the campaign. Thanks for your time though!\n\nSam", {'decline'}, id='en-decline-4'),
    pytest.param('inbound', "Dear Nina,\n\nThe event has been cancelled due to low registrations, so we won't need a photographer.\n\nBest", {'decline'}, id='en-decline-5'),
    pytest.param('inbound', 'Hallo Herr Kraus,\n\ndas passt uns momentan leider gar nicht ins Budget, vielleicht kommen wir im Herbst darauf zurück.\n\nGruß', {'decline'}, id='de-decline-6'),
    pytest.param('inbound', "Hi Nina,\n\nNot a problem at all, we can wait until you're back from holiday.\n\nSam", set(), id='en-none-11'),
    pytest.param('inbound', 'Hallo Andi,\n\nnicht übel das Angebot! Ich bespreche es heute Abend mit meiner Frau.\n\nMarkus', set(), id='de-none-9'),
    pytest.param('inbound', 'Hallo Herr Kraus,\n\ndanke für Ihr Angebot, das ist mir ehrlich gesagt zu teuer. Geht es auch ohne die Wartung?\n\nGruß', {'question'}, id='de-question-3'),
    pytest.param('inbound', "Hi Nina,\n\nLove it! Let's lock in the dates.\n\nSam", {'accept'}, id='en-accept-4'),
    pytest.param('inbound', 'Sehr geehrter Herr Kraus,\n\nmit den Konditionen sind wir einverstanden.\n\nMit freundlichen Grüßen', {'accept'}, id='de-accept-4'),
    pytest.param('inbound', 'Dear Nina,\n\nThat works for us. Happy to proceed on that basis.\n\nDr Evans', {'accept'}, id='en-accept-5'),
    pytest.param('inbound', 'Hallo Andi,\n\nlooks interessant, aber ich muss noch ein zweites Angebot einholen.\n\nMarkus', set(), id='de-none-10'),
    pytest.param('inbound', 'Dear Nina,\n\nDo you also offer drone footage, and if so, what would that add to the price?\n\nRegards', {'question'}, id='en-question-4'),
    pytest.param('inbound', 'Hallo Herr Kraus,\n\nkönnten Sie mir noch mitteilen, wie lange die Montage dauert?\n\nGruß', {'question'}, id='de-question-4'),
    pytest.param('inbound', 'Guten Tag\n\nWäre es möglich, den Start um zwei Wochen zu verschieben?\n\nFreundliche Grüsse', {'question'}, id='de-question-5'),
    pytest.param('inbound', "Hi Nina,\n\nHow are you? Hope the summer's treating you well. Just sending over the shot list as promised.\n\nSam", set(), id='en-none-12'),
    pytest.param('inbound', 'Hallo Andi,\n\nruf mich bitte heute noch an, 0664 1234567.\n\nMarkus', {'call_me'}, id='de-call-me-4'),
    pytest.param('inbound', 'Dear Nina,\n\nCould we set up a 20-minute Zoom next week to walk through the schedule?\n\nDr Evans', {'call_me'}, id='en-call-me-3'),
    pytest.param('inbound', 'Guten Tag Herr Kraus\n\nIch würde gerne einen Besichtigungstermin vor Ort vereinbaren. Passt Ihnen der Mittwoch?\n\nFreundliche Grüsse', {'call_me'}, id='de-call-me-5'),
    pytest.param('inbound', "Hi Nina,\n\nI'll give you a ring on Thursday morning to talk it through.\n\nSam", {'call_me'}, id='en-call-me-4'),
    pytest.param('inbound', 'Ich bin vom 3. bis einschließlich 21. August nicht erreichbar. Ihre Nachricht wird nicht weitergeleitet.', {'out_of_office'}, id='de-out-of-office-3'),
    pytest.param('inbound', "Thanks for your email. I'm currently out of the office with limited access to email, returning 2 September.", {'out_of_office'}, id='en-out-of-office-3'),
    pytest.param('inbound', 'Abwesenheitsnotiz: Ich bin bis Freitag auf einer Messe. In dringenden Fällen wenden Sie sich bitte an meinen Kollegen.', {'out_of_office'}, id='de-out-of-office-4'),
    pytest.param('inbound', "Hi Nina,\n\nOur marketing lead is on leave until the 20th, so we'll get back to you after that.\n\nSam", set(), id='en-none-13'),
    pytest.param('inbound', 'Hallo Andi,\n\nbin gerade im Urlaub am Gardasee, melde mich nächste Woche wegen dem Angebot.\n\nMarkus', {'out_of_office'}, id='de-out-of-office-5'),
    pytest.param('inbound', 'Hallo Frau Berg,\n\nkeine Sorge, wir sind nicht abgesprungen – intern dauert es nur etwas länger.\n\nGrüße', set(), id='de-none-11'),
    pytest.param('inbound', 'Hi Tom,\n\nNo decision yet on our side, the board meets on the 14th.\n\nLinda', set(), id='en-none-14'),
    pytest.param('inbound', 'Hallo Max,\n\nwir haben noch keinen anderen Anbieter gefunden, der das so macht wie du.\n\nLG', set(), id='de-none-12'),
    pytest.param('inbound', "Dear Anna,\n\nWe haven't chosen another supplier – we just need more time.\n\nBest", set(), id='en-none-15'),
    pytest.param('inbound', 'Hallo Herr Kurz,\n\nwenn der Preis stimmt, nehmen wir das Angebot an.\n\nGruß', set(), id='de-none-13'),
    pytest.param('inbound', "Hi Dan,\n\nAssuming legal signs off, we'd be happy to proceed.\n\nHiro", set(), id='en-none-16'),
    pytest.param('inbound', 'Hallo Herr Kurz,\n\nbeauftragen werden wir voraussichtlich erst im Januar.\n\nGruß', set(), id='de-none-14'),
    pytest.param('inbound', "Hi Dan,\n\nWe're thinking about ordering the premium package, but haven't made up our minds.\n\nHiro", set(), id='en-none-17'),
    pytest.param('inbound', 'Hallo Frau Berg,\n\nich bin morgen den ganzen Tag in Meetings, antworte aber am Abend.\n\nGrüße', set(), id='de-none-15'),
    pytest.param('inbound', 'Hi Anna,\n\nI was off sick yesterday, sorry for the silence. Sounds good to me!\n\nBest', {'accept'}, id='en-accept-6'),
    pytest.param('inbound', 'Hallo Max,\n\nmein Kollege ist bis Freitag im Urlaub, deshalb kann ich noch nichts sagen.\n\nLG', set(), id='de-none-16'),
    pytest.param('inbound', "Hi Tom,\n\nThanks for the proposal, we'll review it internally and come back to you.\n\nLinda", set(), id='en-none-18'),
    pytest.param('inbound', 'Hallo Herr Kurz,\n\nvielen Dank für Ihr Angebot! Wir schauen es uns in Ruhe an.\n\nGruß', set(), id='de-none-17'),
    pytest.param('inbound', "Hi Dan,\n\nThanks for your offer. We're reviewing it this week.\n\nHiro", set(), id='en-none-19'),
    pytest.param('inbound', 'Hallo Frau Berg,\n\ndie Telefonnummer unserer Buchhaltung ist 030 1234567, falls Sie Fragen zur Rechnung haben.\n\nGrüße', set(), id='de-none-18'),
    pytest.param('inbound', "Hi Anna,\n\nI can't make Tuesday – could we do Wednesday at 11 instead?\n\nBest", {'call_me'}, id='en-call-me-5'),
    pytest.param('inbound', 'Hallo Max,\n\nDonnerstag klappt bei mir leider nicht, ginge auch Freitagvormittag?\n\nLG', {'call_me'}, id='de-call-me-6'),
    pytest.param('outbound', 'Hallo Frau Berg,\n\nich bin vom 2. bis 16. August im Urlaub. Können wir vorher noch telefonieren?\n\nViele Grüße\nMax', set(), id='de-none-19'),
    pytest.param('outbound', "Hi Linda,\n\nsounds good, let's go ahead then! I'll send the contract tomorrow.\n\nTom", set(), id='en-none-20'),
    pytest.param('outbound', 'Hallo Herr Kurz,\n\nleider müssen wir den Termin am Montag absagen.\n\nGruß', set(), id='de-none-20'),
    pytest.param('inbound', 'Hallo Herr Kurz,\n\nleider müssen wir den Termin am Montag absagen. Passt Ihnen Mittwoch um 10 Uhr?\n\nGruß', {'call_me'}, id='de-call-me-7'),
    pytest.param('inbound', "Hi Dan,\n\nWe loved working with you last year! This time we'd like to keep it small though – could you quote just the dashboards?\n\nHiro", {'question'}, id='en-question-5'),
    pytest.param('inbound', 'Hallo Frau Berg,\n\ndas Angebot ist gut, aber leider deutlich über unserem Budget. Gibt es eine abgespeckte Variante?\n\nGrüße', {'question'}, id='de-question-6'),
    pytest.param('inbound', 'Hi Anna,\n\nGreat work on the draft! The team is really happy.\n\nBest', set(), id='en-none-21'),
    pytest.param('outbound', 'Hi Linda,\n\nthe invoice for October is attached. Total due: $4,200.\n\nTom', set(), id='en-none-22'),
    pytest.param('outbound', 'Hallo Max,\n\nanbei wie gewünscht die Rechnung für September über 1.190 €.\n\nViele Grüße', set(), id='de-none-21'),
    pytest.param('outbound', "Dear Hiro,\n\nThank you for your enquiry – I'll get back to you with pricing by Thursday.\n\nDan", set(), id='en-none-23'),
    pytest.param('outbound', 'Moin Herr Petersen,\n\nwie am Telefon angekündigt: Für die Pflege Ihrer Website (Updates, Backups, kleine Änderungen bis 2 Std./Monat) nehme ich 120 € im Monat.\n\nBeste Grüße\nLisa', {'offer'}, id='de-offer-6'),
    pytest.param('outbound', "Hello Ms Ortiz,\n\nAttached you'll find the revised estimate reflecting the smaller room count.\n\nBest regards,\nGreg", {'offer'}, id='en-offer-4'),
    pytest.param('outbound', "Hi Priya,\n\nI'm working on your quote now and should have it with you early next week.\n\nDan", set(), id='en-none-24'),
    pytest.param('outbound', 'Hallo Herr Petersen,\n\nich melde mich noch einmal wegen der Website-Pflege – ist das für Sie noch interessant?\n\nBeste Grüße\nLisa', {'follow_up'}, id='de-follow-up-5'),
    pytest.param('outbound', "Hi Ms Ortiz,\n\nHope you're well! Just a gentle nudge on the estimate I sent over on the 3rd.\n\nGreg", {'follow_up'}, id='en-follow-up-5'),
    pytest.param('outbound', 'Hallo Herr Petersen,\n\nvielen Dank für Ihre Zusage! Ich lege nächste Woche los.\n\nBeste Grüße\nLisa', {'order_confirmed'}, id='de-order-confirmed-2'),
    pytest.param('inbound', 'Moin Lisa,\n\nmachen Sie das bitte so, ich bin einverstanden. Rechnung dann monatlich an die Buchhaltung.\n\nPetersen', {'accept'}, id='de-accept-5'),
    pytest.param('inbound', 'Hi Greg,\n\nPlease consider this email our formal acceptance of your estimate dated 3 March.\n\nMaria Ortiz', {'accept', 'order_confirmed'}, id='en-accept+order-confirmed-4'),
    pytest.param('inbound', 'Hallo Lisa,\n\nwir bestellen hiermit das Paket mit 2 Stunden pro Monat.\n\nGruß Petersen', {'accept', 'order_confirmed'}, id='de-accept+order-confirmed-3'),
    pytest.param('inbound', "Hi Greg,\n\nWe'd love to go ahead but the owner needs to sign off first – should be next week.\n\nMaria", set(), id='en-none-25'),
    pytest.param('inbound', 'Hallo Lisa,\n\nwir haben uns entschlossen, die Website künftig von unserer Werbeagentur betreuen zu lassen.\n\nGruß Petersen', {'decline'}, id='de-decline-7'),
    pytest.param('inbound', "Hi Greg,\n\nThanks for the estimate, but we've found someone local who can do it cheaper.\n\nMaria", {'decline'}, id='en-decline-6'),
    pytest.param('inbound', "Hello Dan,\n\nAfter a lot of back and forth we've decided to pause the whole data project until next year. Sorry!\n\nPriya", {'decline'}, id='en-decline-7'),
    pytest.param('inbound', 'Hallo Lisa,\n\nIhr Angebot ist nicht schlecht, aber wir brauchen noch ein paar Tage für die Entscheidung.\n\nPetersen', set(), id='de-none-22'),
    pytest.param('inbound', 'Hi Greg,\n\nNo problem at all, Friday is fine for the revised numbers.\n\nMaria', set(), id='en-none-26'),
    pytest.param('inbound', 'Hallo Lisa,\n\nkurze Frage: Sind Updates von Plugins im Preis enthalten?\n\nPetersen', {'question'}, id='de-question-7'),
    pytest.param('inbound', 'Hi Greg,\n\nIs the 10% discount still valid if we pay in two instalments?\n\nMaria', {'question'}, id='en-question-6'),
    pytest.param('inbound', 'Hallo Lisa,\n\nich würde gern wissen, wie schnell Sie bei einem Notfall reagieren.\n\nGruß Petersen', {'question'}, id='de-question-8'),
    pytest.param('inbound', "Hi Dan,\n\nLet's discuss this live – are you free for a Teams call on Wednesday?\n\nPriya", {'call_me'}, id='en-call-me-6'),
    pytest.param('inbound', 'Hallo Lisa,\n\nkönnen Sie nächste Woche mal vorbeikommen? Dann zeige ich Ihnen, was wir uns vorstellen.\n\nPetersen', {'call_me'}, id='de-call-me-8'),
    pytest.param('inbound', 'Hi Greg,\n\nPlease give me a call on 07700 900123 when you get a moment.\n\nMaria', {'call_me'}, id='en-call-me-7'),
    pytest.param('inbound', 'Vielen Dank für Ihre Nachricht! Ich bin bis 2. September im Sommerurlaub. Ab dem 3. September bin ich wieder für Sie erreichbar.', {'out_of_office'}, id='de-out-of-office-6'),
    pytest.param('inbound', "Out of office: I'm away until Monday 7 September with no access to email.", {'out_of_office'}, id='en-out-of-office-4'),
    pytest.param('inbound', "Hi Greg,\n\nI'm on a plane most of today, will reply properly tomorrow. Numbers look OK at first glance.\n\nMaria", set(), id='en-none-27'),
    pytest.param('inbound', 'Hallo Lisa,\n\nunsere Sekretärin ist diese Woche krank, deshalb dauert es etwas mit den Unterlagen.\n\nPetersen', set(), id='de-none-23'),
    pytest.param('inbound', 'Hallo Lisa,\n\nwie war der Urlaub? Anbei die Zugangsdaten für das Backend.\n\nPetersen', set(), id='de-none-24'),
    pytest.param('inbound', "Hi Greg,\n\nThank you for your offer. We'll be in touch.\n\nMaria", set(), id='en-none-28'),
    pytest.param('outbound', 'Hi Maria,\n\nThanks for your order confirmation, the invoice will follow after delivery. Can we call on Monday to plan the install?\n\nGreg', {'order_confirmed'}, id='en-order-confirmed-2'),
]


@pytest.mark.parametrize("direction, text, expected", MESSAGES)
def test_hand_written_messages(direction, text, expected):
    analysis = analyze_text(text, direction=direction, sent=SENT)
    found = {intent.value for intent in analysis.intents}
    assert found == expected, "\n".join(str(hit) for hit in analysis.evidence)


# ---------------------------------------------------------------------------- negation and near misses


@pytest.mark.parametrize(
    "text",
    [
        "Kein Problem, wir melden uns nächste Woche.",
        "Keine Eile, ich schaue es mir am Freitag an.",
        "Leider bin ich erst nächste Woche dazu gekommen, sorry.",
        "No worries, take your time.",
        "We haven't decided yet.",
        "Wir haben uns noch nicht entschieden.",
        "Nicht schlecht!",
        "Wir haben uns noch nicht für einen anderen Anbieter entschieden.",
        "We have not gone with another agency – we just need more time.",
        "We can't do Thursday, how about Friday?",
    ],
)
def test_near_misses_are_not_declines(text):
    assert "decline" not in labels(text)


def test_negation_after_the_verb_cancels_an_acceptance():
    assert labels("Das klingt gut.") == {"accept"}
    assert "accept" not in labels("Das klingt leider nicht gut.")
    assert "accept" not in labels("That doesn't sound good to us.")


def test_negation_inside_the_phrase_counts_only_for_phrases_without_their_own():
    # "kein Bedarf" carries its negation; a second one in front does not undo it.
    assert labels("Kein Bedarf mehr, danke.") == {"decline"}
    assert labels("We decided not to proceed.") == {"decline"}
    assert "order_confirmed" not in labels("Wir werden Sie nicht beauftragen.")


def test_conditional_acceptance_is_no_order():
    assert labels("Wenn der Preis passt, beauftragen wir Sie.") == set()
    assert labels("We'd accept your offer if you can start in May.") == set()
    assert labels("Wir beauftragen Sie hiermit.") == {"order_confirmed", "accept"}


def test_hedged_order_is_no_order():
    assert labels("Wir werden Sie wahrscheinlich beauftragen.") == set()
    assert labels("We will probably place the order next month.") == set()


def test_a_question_about_an_order_is_a_question():
    assert labels("Können wir den Auftrag auch erst im März erteilen?") == {"question"}


def test_an_opinion_is_taken_back_by_but_a_decision_is_not():
    assert labels("Sounds interesting, but we need to discuss it internally.") == set()
    assert labels("Klingt gut. Allerdings müssen wir das noch intern abstimmen.") == set()
    assert labels("Please go with version 2, but keep the blue from version 1.") == {"accept"}


def test_pleasantries_are_no_questions():
    assert labels("Wie geht's? Anbei die Fotos.") == set()
    assert labels("How are you? Hope all is well. Attached the photos.") == set()
    assert labels("Did you have a good weekend? The files are attached.") == set()


def test_a_call_request_is_call_me_alone_unless_something_else_is_asked():
    assert labels("Können wir kurz telefonieren?") == {"call_me"}
    assert labels("Can we have a quick call? And does the price include hosting?") == {"call_me", "question"}


def test_phone_number_in_the_signature_is_no_call_request():
    assert labels("Danke für das Angebot, ich schaue es mir an.\n\nViele Grüße\nAnna Berg\nTel. 0171 1234567") == set()


# ---------------------------------------------------------------------------- out of office


def test_out_of_office_with_return_date():
    analysis = analyze_text(
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 12.08. nicht im Büro.",
        direction="inbound",
        sent=SENT,
    )
    assert analysis.intents == (Intent.OUT_OF_OFFICE,)
    assert analysis.return_date == date(2026, 8, 13)


def test_out_of_office_drops_its_questions_and_call_offers():
    text = (
        "I am out of the office until August 3 with limited access to email. "
        "Would you like to book a call with my colleague? For urgent matters call +44 20 7946 0000."
    )
    analysis = analyze_text(text, direction="inbound", sent=SENT)
    assert analysis.intents == (Intent.OUT_OF_OFFICE,)
    assert analysis.return_date == date(2026, 8, 4)


def test_past_or_coming_or_someone_elses_absence_is_no_out_of_office():
    assert labels("I was on holiday last week, sorry for the delay. Sounds good!") == {"accept"}
    assert labels("Ich bin ab 10.08. im Urlaub, können wir vorher noch telefonieren?") == {"call_me"}
    assert labels("Unser Geschäftsführer ist bis Freitag im Urlaub, danach melden wir uns.") == set()


def test_return_date_only_for_out_of_office():
    analysis = analyze_text("Wir melden uns bis 12.08. mit einer Entscheidung.", direction="inbound", sent=SENT)
    assert analysis.return_date is None


# ---------------------------------------------------------------------------- direction


def test_intents_that_only_make_sense_one_way_are_dropped_for_the_other():
    # Our own holiday notice or call request is no customer signal ...
    assert labels("Ich bin bis 12.08. im Urlaub. Können wir vorher telefonieren?", "outbound") == set()
    # ... a customer quoting a price is no offer, and they do not follow up on our behalf.
    assert labels("Ihr Preis von 4.800 € netto ist uns zu hoch.", "inbound") == set()
    assert labels("Anbei unser Angebot über 4.800 € netto.", "outbound") == {"offer"}
    assert labels("Just checking in on the proposal.", "outbound") == {"follow_up"}
    assert labels("Just checking in on the proposal.", "inbound") == set()
    # An order confirmation works both ways; only the customer's also counts as acceptance.
    assert labels("Vielen Dank für Ihren Auftrag!", "outbound") == {"order_confirmed"}


def test_an_order_confirmation_restating_the_price_is_no_new_offer():
    assert labels("Hiermit bestätigen wir Ihren Auftrag zum Festpreis von 2.400 € netto.", "outbound") == {"order_confirmed"}


def test_colleague_counts_as_outbound():
    assert labels("Anbei unser Angebot.", "colleague") == {"offer"}


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        analyze_text("Hallo", direction="sideways")


# ---------------------------------------------------------------------------- attachments


def test_offer_attachment_makes_an_outbound_mail_an_offer():
    text = "Hallo Frau Berg,\n\nwie besprochen.\n\nViele Grüße"
    assert labels(text, "outbound") == set()
    assert labels(text, "outbound", attachments=["Angebot_2026-117.pdf"]) == {"offer"}
    assert labels(text, "outbound", attachments=["quote-acme-v2.PDF"]) == {"offer"}
    assert labels(text, "outbound", attachments=["Kostenvoranschlag Bad.pdf"]) == {"offer"}
    assert labels(text, "outbound", attachments=["Rechnung_2026-117.pdf", "AGB.pdf"]) == set()
    assert labels(text, "inbound", attachments=["Angebot_2026-117.pdf"]) == set()


def test_purchase_order_or_signed_offer_attachment_makes_an_inbound_mail_an_order():
    analysis = analyze_text("Hi, see attached.", direction="inbound", attachments=["PO-4711.pdf"])
    assert {i.value for i in analysis.intents} == {"order_confirmed", "accept"}
    assert IntentHit(Intent.ORDER_CONFIRMED, "PO-4711.pdf", "attachment-order") in analysis.evidence
    assert labels("Anbei zurück.", attachments=["Angebot_117_unterschrieben.pdf"]) == {"order_confirmed", "accept"}
    assert labels("Anbei.", attachments=["NDA_signed.pdf"]) == set()


# ---------------------------------------------------------------------------- the result


def test_analysis_shape():
    analysis = analyze_text(
        "Klingt gut, machen wir so. Können Sie auch Hosting anbieten?",
        direction="inbound",
        sent=SENT,
    )
    assert isinstance(analysis, TextAnalysis)
    assert analysis.language == "de"
    assert analysis.intents == (Intent.ACCEPT, Intent.QUESTION)
    assert [hit.intent for hit in analysis.evidence] == [Intent.ACCEPT, Intent.ACCEPT, Intent.QUESTION]
    assert analysis.evidence[0] == IntentHit(Intent.ACCEPT, "Klingt gut", "de-accept-klingt-gut")
    assert analysis.return_date is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.language = "en"  # type: ignore[misc]


def test_quoted_history_and_signature_do_not_count():
    text = (
        "Danke, wir melden uns.\n\n"
        "Viele Grüße\nAnna\n\n"
        "Am 12.07.2026 um 10:14 schrieb Max Weber:\n"
        "> Anbei unser Angebot. Rufen Sie mich gerne an.\n"
    )
    assert labels(text) == set()


@pytest.mark.parametrize("junk", ["", "   ", "\x00\x01", "?" * 500, "€€€ 1.200,- 12.01. bis"])
def test_never_crashes_on_junk(junk):
    assert isinstance(analyze_text(junk, direction="inbound", sent=SENT), TextAnalysis)


def test_language_is_chosen_per_message():
    assert detect_language("Vielen Dank für Ihr Angebot, wir melden uns.") == "de"
    assert detect_language("Thanks for the quote, we'll be in touch.") == "en"
    assert detect_language("Auftrag erteilt.") == "de"
    assert detect_language("jo passt") == "de"
    assert detect_language("Approved.") == "en"
    assert detect_language("") == "en"
    assert detect_language("Grüße") == "de"
    # A German reply above an English quote is German.
    assert analyze_text("Passt, danke!\n\n> Thanks for your quote, it looks great.", direction="inbound").language == "de"


def test_spelling_without_umlauts_and_with_typos():
    assert labels("wir haben uns fuer einen anderen anbieter entschieden") == {"decline"}
    assert labels("Hallo, wir haben uns dagegen entschiden. Danke trotzdem") == {"decline"}
    assert labels("Koennen wir kurz telefonieren?") == {"call_me"}


# ---------------------------------------------------------------------------- user patterns and models


def _write_patterns(tmp_path, *entries, name="mine.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n", encoding="utf-8")
    return path


def test_user_patterns_add_phrasings(tmp_path):
    text = "Mia san dabei, des pack ma!"
    assert labels(text) == set()
    path = _write_patterns(
        tmp_path,
        {"label": "accept", "id": "bavarian-pack-ma", "pattern": [{"NORM": "pack"}, {"NORM": "ma"}]},
        {"label": "decline", "id": "en-only", "lang": "en", "pattern": "pack ma"},
    )
    analysis = analyze_text(text, direction="inbound", extra_patterns=[path])
    assert analysis.intents == (Intent.ACCEPT,)
    assert analysis.evidence[0].pattern == "bavarian-pack-ma"


def test_user_patterns_can_declare_near_misses(tmp_path):
    text = "Wir haben uns für einen anderen Anbieter entschieden, war nur Spaß."
    assert labels(text) == {"decline"}
    path = _write_patterns(tmp_path, {"label": "no.decline", "id": "joke", "pattern": "war nur Spaß"})
    assert labels(text, extra_patterns=[path]) == set()


def test_user_pattern_values_are_folded_like_the_text(tmp_path):
    path = _write_patterns(tmp_path, {"label": "accept", "id": "gruen", "pattern": [{"NORM": "grün"}, {"NORM": "daumen"}]})
    assert labels("Gruen Daumen von uns.", extra_patterns=[path]) == {"accept"}


@pytest.mark.parametrize(
    "line, problem",
    [
        ("{not json", "not valid JSON"),
        ('{"label": "sale", "pattern": "buy now"}', "unknown label 'sale'"),
        ('{"label": "accept"}', 'expected an object with "label" and "pattern"'),
        ('{"label": "accept", "pattern": []}', "pattern must be"),
    ],
)
def test_invalid_user_pattern_file_names_file_and_line(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"label": "accept", "pattern": "passt scho"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        analyze_text("Hallo", direction="inbound", extra_patterns=[path])
    assert err.value.key == "line 2"
    assert err.value.path == str(path)
    assert problem in str(err.value)


def test_invalid_token_pattern_is_a_config_error(tmp_path):
    path = _write_patterns(tmp_path, {"label": "accept", "id": "x", "pattern": [{"NORMAL": "passt"}]})
    with pytest.raises(ConfigError, match="invalid pattern"):
        analyze_text("Hallo", direction="inbound", extra_patterns=[path])


def test_missing_user_pattern_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read pattern file"):
        analyze_text("Hallo", direction="inbound", extra_patterns=[tmp_path / "nope.jsonl"])


def test_a_model_that_is_not_installed_falls_back_to_the_blank_pipeline():
    analysis = analyze_text("Klingt gut, machen wir so.", direction="inbound", model="de_core_news_nonexistent")
    assert analysis.intents == (Intent.ACCEPT,)


def test_pattern_labels():
    assert is_valid_label("offer") and is_valid_label("decline.weak") and is_valid_label("no.accept")
    assert is_valid_label("negation") and is_valid_label("idiom")
    assert not is_valid_label("no.negation") and not is_valid_label("sale") and not is_valid_label("offer.strong")


def test_may_say_never_misses_an_intent_the_analysis_finds():
    """`may_say` may only answer False where `analyze_text` finds no such intent."""
    import sys
    from pathlib import Path

    from ghostscan.classify.language import Intent, analyze_text, may_say

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "language"))
    from intent_scoring import load_rows

    rows = load_rows(Path(__file__).resolve().parents[2] / "data" / "intents.tsv")
    lacking = 0
    for row in rows:
        for direction in ("inbound", "outbound"):
            found = set(analyze_text(row.text, direction=direction, sent=row.sent).intents)
            for intent in Intent:
                possible = may_say(row.text, intent, direction=direction)
                assert possible or intent not in found, (row.id, direction, intent)
                lacking += not possible
    # And it does rule out most intents of most messages, which is what it is for.
    assert lacking > len(rows) * 2 * len(Intent) // 2


def test_may_say_sees_an_order_in_an_attachment_name():
    from ghostscan.classify.language import Intent, may_say

    assert may_say("Anbei.", Intent.ORDER_CONFIRMED, direction="inbound", attachments=["Bestellung_4711.pdf"])
    assert not may_say("Anbei.", Intent.ORDER_CONFIRMED, direction="inbound", attachments=["Logo.png"])


def test_reading_after_may_say_is_the_reading_alone():
    """A text asked `may_say` first, then read whole (as the verdicts do), reads the same."""
    import sys
    from pathlib import Path

    from ghostscan.classify.language import Intent, analyze_text, may_say

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "language"))
    from intent_scoring import load_rows

    rows = load_rows(Path(__file__).resolve().parents[2] / "data" / "intents.tsv")
    alone = {(row.id, d): analyze_text(row.text, direction=d, sent=row.sent) for row in rows for d in ("inbound", "outbound")}
    for row in rows:
        for direction in ("inbound", "outbound"):
            for intent in (Intent.ORDER_CONFIRMED, Intent.DECLINE):
                may_say(row.text, intent, direction=direction)
            assert analyze_text(row.text, direction=direction, sent=row.sent) == alone[(row.id, direction)], row.id
