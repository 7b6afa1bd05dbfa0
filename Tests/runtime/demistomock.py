"""The platform's demistomock: `import demistomock as demisto` in a unit test gets this module.

It has the public surface of the module demisto/content's CI puts beside every integration's and script's tests
(recorded in `golden/demistomock-surface.json`: every function with its signature, what it answers when called
with no arguments, what its setters do to its getters, and the module-level names; a test holds this file to it).
Tests set a run's inputs and read its outputs by patching these functions (`mocker.patch.object(demisto, "params",
return_value={...})`, spying on `demisto.results`); unpatched, they answer the fixed samples below. Only the
integration context is kept between calls (`setIntegrationContext` then `getIntegrationContext`); `error` prints,
so a test that lets an error through unpatched fails the content CI's no-output rule.

The local engine serves its runs through this same surface: for a run it replaces these functions with its own
(`tools/xsoar_local/invocation.py`), exactly as a test patches them.
"""

from __future__ import print_function

import json
import logging
import os
import uuid

integrationContext = {}  # type: dict
is_debug = False  # type: bool
ARGS_COMMAND_PATH = os.path.join(os.path.dirname(__file__), ".args_command.json")
callingContext = {}  # type: dict

# --- the fixed samples the unpatched functions answer -------------------------------------------------------

exampleIncidents = [{'Brand': 'Builtin',
  'Category': 'Builtin',
  'Contents': {'data': [{'CustomFields': {},
                         'account': '',
                         'activated': '0001-01-01T00:00:00Z',
                         'attachment': None,
                         'autime': 1550670443962164000,
                         'canvases': None,
                         'category': '',
                         'closeNotes': '',
                         'closeReason': '',
                         'closed': '0001-01-01T00:00:00Z',
                         'closingUserId': '',
                         'created': '2019-02-20T15:47:23.962164+02:00',
                         'details': '',
                         'droppedCount': 0,
                         'dueDate': '2019-03-02T15:47:23.962164+02:00',
                         'hasRole': False,
                         'id': '1',
                         'investigationId': '1',
                         'isPlayground': False,
                         'labels': [{'type': 'Instance', 'value': 'test'}, {'type': 'Brand', 'value': 'Manual'}],
                         'lastOpen': '0001-01-01T00:00:00Z',
                         'linkedCount': 0,
                         'linkedIncidents': None,
                         'modified': '2019-02-20T15:47:27.158969+02:00',
                         'name': '1',
                         'notifyTime': '2019-02-20T15:47:27.156966+02:00',
                         'occurred': '2019-02-20T15:47:23.962163+02:00',
                         'openDuration': 0,
                         'owner': 'analyst',
                         'parent': '',
                         'phase': '',
                         'playbookId': 'playbook0',
                         'previousRoles': None,
                         'rawCategory': '',
                         'rawCloseReason': '',
                         'rawJSON': '',
                         'rawName': '1',
                         'rawPhase': '',
                         'rawType': 'Unclassified',
                         'reason': '',
                         'reminder': '0001-01-01T00:00:00Z',
                         'roles': None,
                         'runStatus': 'waiting',
                         'severity': 0,
                         'sla': 0,
                         'sourceBrand': 'Manual',
                         'sourceInstance': 'amichay',
                         'status': 1,
                         'type': 'Unclassified',
                         'version': 6}],
               'total': 1},
  'ContentsFormat': 'json',
  'EntryContext': None,
  'Evidence': False,
  'EvidenceID': '',
  'File': '',
  'FileID': '',
  'FileMetadata': None,
  'HumanReadable': None,
  'ID': '',
  'IgnoreAutoExtract': False,
  'ImportantEntryContext': None,
  'Metadata': {'brand': 'Builtin',
               'category': '',
               'contents': '',
               'contentsSize': 0,
               'created': '2019-02-24T09:44:51.992682+02:00',
               'cronView': False,
               'endingDate': '0001-01-01T00:00:00Z',
               'entryTask': None,
               'errorSource': '',
               'file': '',
               'fileID': '',
               'fileMetadata': None,
               'format': 'json',
               'hasRole': False,
               'id': '',
               'instance': 'Builtin',
               'investigationId': '7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'modified': '0001-01-01T00:00:00Z',
               'note': False,
               'parentContent': '!getIncidents query="id:1"',
               'parentEntryTruncated': False,
               'parentId': '111@7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'pinned': False,
               'playbookId': '',
               'previousRoles': None,
               'recurrent': False,
               'reputationSize': 0,
               'reputations': None,
               'roles': None,
               'scheduled': False,
               'startDate': '0001-01-01T00:00:00Z',
               'system': '',
               'tags': None,
               'tagsRaw': None,
               'taskId': '',
               'times': 0,
               'timezoneOffset': 0,
               'type': 1,
               'user': '',
               'version': 0},
  'ModuleName': 'InnerServicesModule',
  'Note': False,
  'ReadableContentsFormat': '',
  'System': '',
  'Tags': None,
  'Type': 1,
  'Version': 0}]

exampleContext = [{'Brand': 'Builtin',
  'Category': 'Builtin',
  'Contents': {'context': {},
               'id': '1',
               'importantKeys': None,
               'modified': '2019-02-24T09:50:21.798306+02:00',
               'version': 30},
  'ContentsFormat': 'json',
  'EntryContext': None,
  'Evidence': False,
  'EvidenceID': '',
  'File': '',
  'FileID': '',
  'FileMetadata': None,
  'HumanReadable': None,
  'ID': '',
  'IgnoreAutoExtract': False,
  'ImportantEntryContext': None,
  'Metadata': {'brand': 'Builtin',
               'category': '',
               'contents': '',
               'contentsSize': 0,
               'created': '2019-02-24T09:50:28.652202+02:00',
               'cronView': False,
               'endingDate': '0001-01-01T00:00:00Z',
               'entryTask': None,
               'errorSource': '',
               'file': '',
               'fileID': '',
               'fileMetadata': None,
               'format': 'json',
               'hasRole': False,
               'id': '',
               'instance': 'Builtin',
               'investigationId': '7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'modified': '0001-01-01T00:00:00Z',
               'note': False,
               'parentContent': '!getContext id="1"',
               'parentEntryTruncated': False,
               'parentId': '120@7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'pinned': False,
               'playbookId': '',
               'previousRoles': None,
               'recurrent': False,
               'reputationSize': 0,
               'reputations': None,
               'roles': None,
               'scheduled': False,
               'startDate': '0001-01-01T00:00:00Z',
               'system': '',
               'tags': None,
               'tagsRaw': None,
               'taskId': '',
               'times': 0,
               'timezoneOffset': 0,
               'type': 0,
               'user': '',
               'version': 0},
  'ModuleName': 'InnerServicesModule',
  'Note': False,
  'ReadableContentsFormat': '',
  'System': '',
  'Tags': None,
  'Type': 0,
  'Version': 0}]

exampleUsers = [{'Brand': 'Builtin',
  'Category': 'Builtin',
  'Contents': [{'accUser': False,
                'addedSharedDashboards': None,
                'canPostTicket': False,
                'dashboards': None,
                'defaultAdmin': True,
                'disableHyperSearch': False,
                'editorStyle': '',
                'email': 'admintest@demisto.com',
                'helpSnippetDisabled': False,
                'homepage': '',
                'id': 'admin',
                'image': 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAJAAAACQCAYAAADnRuK4AAAACXBIWXMAABYlAAAWJQFJUiTwAAAFeElEQVR42u2dO1MbVxSAj2whIZAQHlWksSrcwKAMVWjYNLhiRjOkSYXyC7z5BfE/iNKmYWlchRnNyE2oRKO0y5DGaiI3pokcbRYNelopCDNOeGmlXS269/v6BcH9dPace+4jMhwOhwIwJk/4FwACAQIBAgECASAQIBAgECAQAAIBAgECAQIBIBAgECAQIBAAAgECAQIBAgECASAQIBAgECAQAAIBAgECAQIBIBAEQfSxfJBK74NY7ZrYg4ac9huMzD1sRDOSj2XFTKzLciQW6meJhH3AlN1viNmqyknvHDM8ko7E5PXCppiJdT0Fsto1+e6iggkTsh9fFStl6JUDIY9/HHZqUrw80ycC2f2GGE5ZnGGX0feRP559K9mnKfUjkNmqIk8AFNvTj0JTF8juN0iYA6LUqasvkNV5x0gHxPtPF1P/nVOfB7IfmONJR2JSWtoRY+6LmR/QgluRw05NaWmnHoEeen1ZKWPm5WkOu1rIE0oEeoh8LDvz8hhOWZvZdHphyINAyINAyEMOpCe6z6oTgZCHCCRy1Zy1Ou9uTBNsz61IIf5CCvOryINAN6kPXMm7x3fmHye9cznpnUuxfSal1I4vzUbkUeQVVh+4kmsejZS8nvYbkmseSX3gThzpvmweIY8KAuXdY08D6Qy7knePJ5KHNUyKCGS1a2OVzaf9hljtGvJoL9AEXX2vzyKPgkn0JGuKvDxrtqry0+XvmKJiDjQNkAeBAIEAgXxme24llGdBEYEK8RehPAuqCDS/KhvRjOfnNqIZ3/tiCDSjlFI7kvZwuEA6EpNSaodRR6Arsk9TYi/vjRSJNqIZsZf3pr5zE4FmRKKDpHFrcrw9tyIHSQN5AkKZ9UCF+VVyGyIQIBAgEAACAQIBAgECASAQIBAg0AiUunVGBYHu5qHFXAW3IpXeB0ZmRph6LywXzdy7K8IZduVr5y0jQwS6I8KwGjAw0iFcvDJ1gXLRDGuSAyKMw0lDSaKLi1uhfFtUx0ys6SFQLpqR4uIWI+4j+/FVfSKQyNUCsIOkwcj7wEY0I8VkOF9ILpybcV4l1kKN5qELdA1XXo7O8ydJycezYs6vh77O+9EI9FiJ/PnzxK+XSno39LtNlcuBdEls7eU9ZeUR4ZzowDhIGlrsEkEgn1HpuioECqGc9usoYXIgDfOdSnpXu92vRCAf+GFhU14vbGr5tyPQhPmOlTJm/pI8BAqB50+SUlp6KbkxzihCIM3ZnluR0tJLped3SKID4lViTemZZSJQgOgyOYhAASTLlfSu9vkOAnmkOewq3wydFLrxQBINCAQIBAikCXa/IdmPb8a6ufAhrHZNsh/fiK3JslztkujmsCu5v36R958uRETkx8WvxEys+/Kzi5dn8n3rNxG5anXYz75RvnrTSqDmsCuGU76xaH8/vipWypjoZxfcihx2/hvRdJgC0OoVZl5Ub93xcdipieGUpTnGVd7XUv5fHpGrC37Niyo5kBLytKq3DvI1J71zMZyyp3vl6wNXDKd87562w05NzJa6EmnxCvNy6/KobQu73xDDKY98b72qfTQtIlAumhn5MAfn31fSfRWa1a55kicdiSnbR9Mmia4PXMm7x552vd5WoX1eaY2C6gvttavC8n//6mkf/ucV2m2V1n3osPBMy2bqOCJcJ9rjiKcy2nbjvb6KvODn5CQCPfLqzGxR06GR0mWi4tbWq1a1H49kNdyfNLyH4Go0LSrtBAooApNl0oLgQKq0HSptBAogApNp0oLgXys0HSstBDIpwqN/WEINHaFJiLaVloI5EOFJiJsLkQg8Bu29QACAQIBAgECASAQIBAgECAQAAIBAgECAQIBIBAgECAQIBAAAgECAQLBLPMPFxalhUpzvrEAAAAASUVORK5CYII=',
                'investigationPage': '',
                'lastLogin': '0001-01-01T00:00:00Z',
                'name': 'Admin Dude',
                'notify': ['mattermost', 'email', 'slack'],
                'phone': '+650-123456',
                'playgroundCleared': False,
                'playgroundId': '818df1a9-98dc-46df-84dc-dbd2fffc0fda',
                'preferences': {'userPreferencesIncidentTableQueries': {'Open Jobs in the last 7 days': {'picker': {'predefinedRange': {'id': '7',
                                                                                                                                        'name': 'Last '
                                                                                                                                                '7 '
                                                                                                                                                'days'}},
                                                                                                         'query': '-status:closed '
                                                                                                                  'category:job'},
                                                                        'Open incidents in the last 7 days': {'isDefault': True,
                                                                                                              'picker': {'predefinedRange': {'id': '7',
                                                                                                                                             'name': 'Last '
                                                                                                                                                     '7 '
                                                                                                                                                     'days'}},
                                                                                                              'query': '-status:closed '
                                                                                                                       '-category:job'}},
                                'userPreferencesWarRoomFilter': {'categories': ['chats',
                                                                                'incidentInfo',
                                                                                'commandAndResults',
                                                                                'notes'],
                                                                 'fromTime': '0001-01-01T00:00:00Z',
                                                                 'pageSize': 0,
                                                                 'tagsAndOperator': False,
                                                                 'usersAndOperator': False},
                                'userPreferencesWarRoomFilterExpanded': False,
                                'userPreferencesWarRoomFilterMap': {'Chats only': {'categories': ['chats'],
                                                                                   'fromTime': '0001-01-01T00:00:00Z',
                                                                                   'pageSize': 0,
                                                                                   'tagsAndOperator': False,
                                                                                   'usersAndOperator': False},
                                                                    'Default Filter': {'categories': ['chats',
                                                                                                      'incidentInfo',
                                                                                                      'commandAndResults',
                                                                                                      'notes'],
                                                                                       'fromTime': '0001-01-01T00:00:00Z',
                                                                                       'pageSize': 0,
                                                                                       'tagsAndOperator': False,
                                                                                       'usersAndOperator': False},
                                                                    'Playbook results': {'categories': ['playbookTaskResult',
                                                                                                        'playbookErrors',
                                                                                                        'justFound'],
                                                                                         'fromTime': '0001-01-01T00:00:00Z',
                                                                                         'pageSize': 0,
                                                                                         'tagsAndOperator': False,
                                                                                         'usersAndOperator': False}},
                                'userPreferencesWarRoomFilterOpen': True},
                'roles': {'demisto': ['Administrator']},
                'theme': '',
                'username': 'admin',
                'wasAssigned': False}],
  'ContentsFormat': 'json',
  'EntryContext': {'DemistoUsers': [{'email': 'admintest@demisto.com',
                                     'name': 'Admin Dude',
                                     'phone': '+650-123456',
                                     'roles': ['demisto: [Administrator]'],
                                     'username': 'admin'}]},
  'Evidence': False,
  'EvidenceID': '',
  'File': '',
  'FileID': '',
  'FileMetadata': None,
  'HumanReadable': '## Users\n'
                   'Username|Email|Name|Phone|Roles\n'
                   '-|-|-|-|-\n'
                   'admin|admintest@demisto.com|Admin Dude|\\+650-123456|demisto: \\[Administrator\\]\n',
  'ID': '',
  'IgnoreAutoExtract': False,
  'ImportantEntryContext': None,
  'Metadata': {'brand': 'Builtin',
               'category': '',
               'contents': '',
               'contentsSize': 0,
               'created': '2019-02-24T09:50:28.686449+02:00',
               'cronView': False,
               'endingDate': '0001-01-01T00:00:00Z',
               'entryTask': None,
               'errorSource': '',
               'file': '',
               'fileID': '',
               'fileMetadata': None,
               'format': 'json',
               'hasRole': False,
               'id': '',
               'instance': 'Builtin',
               'investigationId': '7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'modified': '0001-01-01T00:00:00Z',
               'note': False,
               'parentContent': '!getUsers online="False"',
               'parentEntryTruncated': False,
               'parentId': '120@7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
               'pinned': False,
               'playbookId': '',
               'previousRoles': None,
               'recurrent': False,
               'reputationSize': 0,
               'reputations': None,
               'roles': None,
               'scheduled': False,
               'startDate': '0001-01-01T00:00:00Z',
               'system': '',
               'tags': None,
               'tagsRaw': None,
               'taskId': '',
               'times': 0,
               'timezoneOffset': 0,
               'type': 1,
               'user': '',
               'version': 0},
  'ModuleName': 'InnerServicesModule',
  'Note': False,
  'ReadableContentsFormat': '',
  'System': '',
  'Tags': None,
  'Type': 1,
  'Version': 0}]

exampleDemistoUrls = {'evidenceBoard': 'https://test-address:8443/#/EvidenceBoard/7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
 'investigation': 'https://test-address:8443/#/Details/7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
 'relatedIncidents': 'https://test-address:8443/#/Cluster/7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
 'server': 'https://test-address:8443',
 'warRoom': 'https://test-address:8443/#/WarRoom/7ab2ac46-4142-4af8-8cbe-538efb4e63d6',
 'workPlan': 'https://test-address:8443/#/WorkPlan/7ab2ac46-4142-4af8-8cbe-538efb4e63d6'}

exampleAutoFocusApiKey = '1234'

contentSecrets = {'WildFire-Reports': {'token': '<ReplaceWithToken>'},
 'AutoFocusTagsFeed': {'api_key': '<ReplaceWithApiKey>'},
 'Http_Connector': {'token': '<ReplaceWithToken>', 'url': '<ReplaceWithURL>'}}


# --- the run's inputs -----------------------------------------------------------------------------------------


def params():
    return {}


def args():
    return {}


def command():
    return ""


def getParam(param):
    return params().get(param)


def getArg(arg):
    return args().get(arg)


def incident():
    return exampleIncidents[0]["Contents"]["data"][0]


def incidents(incidents=None):
    """With a list: a fetch hands its incidents over. Without: the incidents the script runs on."""
    if incidents is None:
        return exampleIncidents[0]["Contents"]["data"]
    return None


def investigation():
    return {"id": "1"}


def parentEntry():
    return {}


def context():
    return {}


def dt(obj=None, trnsfrm=None):
    return ""


def get(obj, field, defaultParam=None):
    """A dotted path (`a.b.c`) read from nested dicts."""
    value = obj
    for part in field.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return defaultParam
    return value


def gets(obj, field):
    return str(get(obj, field))


def integrationInstance():
    return ""


def demistoVersion():
    return {"version": "5.5.0", "buildNumber": "12345"}


def demistoUrls():
    return exampleDemistoUrls


def uniqueFile():
    return str(uuid.uuid4())


def getFilePath(id):
    return {"id": id, "path": "test/test.txt", "name": "test.txt"}


def getLicenseID():
    return ""


def getLicenseCustomField(key):
    """The tenant's license fields: the sample secrets, `Http_Connector.url` -> contentSecrets["Http_Connector"]["url"]."""
    return get(contentSecrets, key)


def getAutoFocusApiKey():
    return exampleAutoFocusApiKey


def getIndexHash():
    return ""


def isTimeSensitive():
    return False


def initialize():
    return None


def credentials(credentials):
    log(f"credentials: {credentials}")


def getModules():
    return {}


def getAllSupportedCommands():
    return {}


def findUser(username=None, email=None):
    return {}


def get_incidents():
    return {}


# --- state the platform keeps for an instance ---------------------------------------------------------------


def getLastRun():
    return {"lastRun": "2018-10-24T14:13:20+00:00"}


def setLastRun(obj):
    return None


def getLastMirrorRun():
    return {}


def setLastMirrorRun(obj):
    return None


def getAssetsLastRun():
    return {"lastRun": "2018-10-24T14:13:20+00:00"}


def setAssetsLastRun(obj):
    return None


def getIntegrationContext():
    return integrationContext


def setIntegrationContext(context):
    global integrationContext
    integrationContext = context


def getIntegrationContextVersioned(refresh=False):
    return integrationContext


def setIntegrationContextVersioned(context, version=-1, sync=False):
    global integrationContext
    integrationContext = context


def setContext(contextPath, value):
    return {"status": True}


def updateModuleHealth(data, is_error=False):
    return ""


# --- what a run gives back ----------------------------------------------------------------------------------


def results(results):
    """Nothing reaches a War Room here: the entry goes to the log, where a test's spy or caplog can see it."""
    if isinstance(results, dict) and results.get("contents"):
        results = results.get("contents")
    log(f"demisto results: {json.dumps(results, indent=4, sort_keys=True, default=str)}")


def createIncidents(incidents, lastRun=None, userID=None):
    return []


def createIndicators(indicators_batch, noUpdate=False):
    return ""


def searchIndicators(fromDate="", query="", size=100, page=0, toDate="", value="", searchAfter=None,
                     populateFields=None, **kwargs):
    return {}


def searchRelationships(args):
    return {"data": []}


def addEntry(id, entry, username=None, email=None, footer=None):
    return ""


def directMessage(message, username=None, email=None, anyoneCanOpenIncidents=None):
    return ""


def mirrorInvestigation(id, mirrorType, autoClose=False):
    return ""


def handleEntitlementForUser(incidentID, guid, email, content, taskID=""):
    return {}


def mapObject(obj, mapper, mapper_type):
    return obj


def internalHttpRequest(method, uri, body=None):
    return {}


def _apiCall(name=None, params=None, data=None, headers=None, method=None, path=None, timeout=None,
             response_data_type=None):
    return {}


def executeCommand(command, args):
    """The server's answer: the samples for getIncidents, getContext and getUsers, nothing for any other command."""
    samples = {"getIncidents": exampleIncidents, "getContext": exampleContext, "getUsers": exampleUsers}
    return samples.get(command, "")


# --- logging ------------------------------------------------------------------------------------------------


def log(msg):
    logging.getLogger().info(msg)


def debug(msg, *args):
    logging.getLogger().info(msg, *args)


def info(msg, *args):
    logging.getLogger().info(msg, *args)


def error(msg, *args):
    # printed, so that a test which lets an error through unpatched fails the content CI's no-output rule
    print(msg, *args)
